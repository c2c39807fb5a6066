import { createRestProsumerPort } from './rest-port';

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** A fetch that records each request and answers with the next reply. */
function aFetch(replies: { status: number; body: unknown }[]): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fake = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(url), method: init?.method ?? 'GET', headers: (init?.headers ?? {}) as Record<string, string>, body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) });
    const reply = replies.shift() ?? { status: 500, body: {} };
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: fake as typeof fetch, sent };
}

describe('the prosumer port over the Prosumers’ REST service', () => {
  it('posts offers, reads them and settles with the signed records, as the signed-in prosumer', async () => {
    const { fetch, sent } = aFetch([
      { status: 201, body: { offerId: 'o-1', status: 'open' } },
      { status: 200, body: { offerId: 'o-1', trades: [] } },
      { status: 200, body: { offerId: 'o-1', deliveredWh: 10 } },
    ]);
    const port = createRestProsumerPort({ baseUrl: 'http://127.0.0.1:8283/', token: 'tok', fetch });
    const draft = { offerId: 'o-1', prosumerAccountId: 'acc', exportPointId: 'X1', energyWh: 10, priceMicroPerKWh: 1, currency: 'EUR', windowStartMs: 2, windowEndMs: 3, acceptUntilMs: 2 };
    expect(await port.postOffer(draft)).toEqual({ offerId: 'o-1', status: 'open' });
    expect(await port.getOffer('o-1')).toEqual({ offerId: 'o-1', trades: [] });
    expect(await port.settleDelivery('o-1', ['OCMF|{}|{}'])).toEqual({ offerId: 'o-1', deliveredWh: 10 });
    expect(sent.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', 'http://127.0.0.1:8283/api/offers', draft],
      ['GET', 'http://127.0.0.1:8283/api/offers/o-1', undefined],
      ['POST', 'http://127.0.0.1:8283/api/offers/o-1/settlement', { ocmfRecords: ['OCMF|{}|{}'] }],
    ]);
    expect(sent.every((request) => request.headers['authorization'] === 'Bearer tok')).toBe(true);
  });

  it('reports a refusal with its status and the chaincode’s code', async () => {
    const { fetch } = aFetch([{ status: 422, body: { error: 'LedgerRefusal', code: 'INVALID_STATE', message: 'the delivery window has not ended' } }]);
    const port = createRestProsumerPort({ baseUrl: 'http://127.0.0.1:8283', token: 'tok', fetch });
    await expect(port.settleDelivery('o-1', [])).rejects.toMatchObject({ name: 'ParticipantServiceError', status: 422, code: 'INVALID_STATE', route: '/api/offers/o-1/settlement' });
  });
});
