import { ParticipantServiceError } from '../errors';
import type { DeliverySettlement, OfferDraft, OfferWithTrades, PostedOffer, ProsumerPort } from './port';

export interface RestProsumerPortOptions {
  /** The Prosumers' participants' service, e.g. http://127.0.0.1:8283. */
  readonly baseUrl: string;
  /** A prosumer's session token (POST /api/prosumers or POST /api/session). */
  readonly token: string;
  readonly fetch: typeof fetch;
}

/** The ProsumerPort over the Prosumers' REST service: POST /api/offers, GET /api/offers/:id, POST /api/offers/:id/settlement. */
export class RestProsumerPort implements ProsumerPort {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: Readonly<RestProsumerPortOptions>) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch;
  }

  postOffer(draft: OfferDraft): Promise<PostedOffer> {
    return this.#call('POST', '/api/offers', draft);
  }

  getOffer(offerId: string): Promise<OfferWithTrades> {
    return this.#call('GET', `/api/offers/${encodeURIComponent(offerId)}`);
  }

  settleDelivery(offerId: string, ocmfRecords: readonly string[]): Promise<DeliverySettlement> {
    return this.#call('POST', `/api/offers/${encodeURIComponent(offerId)}/settlement`, { ocmfRecords });
  }

  async #call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.#fetch(`${this.#baseUrl}${route}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    const parsed = (text === '' ? {} : JSON.parse(text)) as unknown;
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: unknown; message?: unknown };
      throw new ParticipantServiceError(method, route, response.status, typeof error.code === 'string' ? error.code : undefined, typeof error.message === 'string' ? error.message : text);
    }
    return parsed as T;
  }
}

export function createRestProsumerPort(options: Readonly<RestProsumerPortOptions>): ProsumerPort {
  return new RestProsumerPort(options);
}
