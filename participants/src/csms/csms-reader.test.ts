import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CsmsReader, liveOf } from './csms-reader';

const KEY = 'read-only-key-0123456789abcdef';
const CHARGERS = [
  { identity: 'CP-1', connected: true, state: { connectors: { '0': { status: 'Available', errorCode: 'NoError', timestamp: 't0' }, '2': { status: 'Faulted', errorCode: 'GroundFailure', timestamp: 't2' }, '1': { status: 'Charging', errorCode: 'NoError', timestamp: 't1' } } } },
  { identity: 'CP-2', connected: false, state: { connectors: {} } },
];

const ENDED = [
  { sessionId: 'CP-3-9', chargerId: 'CP-3', evseId: 1, connectorId: 1, startedAt: 's', energyWh: 2000, active: false, flags: [], settlement: { status: 'refused', code: 'EVIDENCE_REJECTED', reason: 'BAD_SIGNATURE in record 1', released: 2000, ledgerTxId: 'tx-9', blockNumber: '9' } },
  { sessionId: 'CP-3-8', chargerId: 'CP-3', evseId: 1, connectorId: 1, startedAt: 's', energyWh: 9000, billedEnergyWh: 2000, active: false, flags: ['claimed-differs-from-signed'], settlement: { status: 'settled', charged: 150, energyWh: 2000, verification: 'verified', ledgerTxId: 'tx-8', blockNumber: '8' } },
  // Recorded before refusals were: no status.
  { sessionId: 'CP-3-7', chargerId: 'CP-3', evseId: 1, connectorId: 1, startedAt: 's', energyWh: 1000, active: false, flags: [], settlement: { status: 'settled', charged: 90, energyWh: 1000, verification: 'verified', ledgerTxId: 'tx-7', blockNumber: '7' } },
];

let server: Server;
let url: string;
let dir: string;
const seen: IncomingMessage[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'csms-reader-'));
  server = createServer((request, response) => {
    seen.push(request);
    if (request.headers.authorization !== `Bearer ${KEY}`) return void response.writeHead(401).end('{}');
    response.setHeader('content-type', 'application/json');
    if (request.url === '/api/chargers') return void response.end(JSON.stringify(CHARGERS));
    if (request.url === '/api/sessions?chargerId=CP-1&limit=5') return void response.end(JSON.stringify({ sessions: [{ sessionId: 'CP-1-7', chargerId: 'CP-1', evseId: 1, connectorId: 1, startedAt: 's', energyWh: 1200, active: true, token: 'hmac-sha256:0011', flags: [] }] }));
    if (request.url === '/api/sessions?chargerId=CP-3&limit=5') return void response.end(JSON.stringify({ sessions: ENDED }));
    if (request.url === '/api/sessions/CP-1-7') return void response.end(JSON.stringify({ sessionId: 'CP-1-7', chargerId: 'CP-1', evseId: 1, connectorId: 1, startedAt: 's', energyWh: 1200, active: true, token: 'hmac-sha256:0011', flags: [] }));
    if (request.url === '/api/sessions/CP-9-500') return void response.writeHead(500).end('{}');
    return void response.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('CsmsReader', () => {
  it('says there is no key, without calling the CSMS, while the key file is missing; reads it once it exists', async () => {
    const keyFile = path.join(dir, 'late-key');
    const reader = new CsmsReader({ url, keyFile });
    const before = seen.length;
    await expect(reader.chargers()).resolves.toMatchObject({ status: 'no-key' });
    expect(seen.length).toBe(before);
    await writeFile(keyFile, `${KEY}\n`, { mode: 0o600 });
    await expect(reader.chargers()).resolves.toMatchObject({ status: 'ok' });
  });

  it('reads every charger with the key as a bearer token: connected, and connectors other than 0 in order, errors only when there is one', async () => {
    const keyFile = path.join(dir, 'key');
    await writeFile(keyFile, KEY, { mode: 0o600 });
    const answer = await new CsmsReader({ url, keyFile }).chargers();
    expect(liveOf(answer, 'CP-1')).toEqual({ known: true, connected: true, connectors: [{ connector: '1', status: 'Charging', since: 't1' }, { connector: '2', status: 'Faulted', errorCode: 'GroundFailure', since: 't2' }] });
    expect(liveOf(answer, 'CP-2')).toEqual({ known: true, connected: false, connectors: [] });
    expect(liveOf(answer, 'CP-9')).toEqual({ known: false, why: 'not-at-csms' });
  });

  it('lists a charger’s sessions without the token digest', async () => {
    const keyFile = path.join(dir, 'key');
    const answer = await new CsmsReader({ url, keyFile }).sessions('CP-1', 5);
    expect(answer).toEqual({ status: 'ok', value: [{ sessionId: 'CP-1-7', chargerId: 'CP-1', evseId: 1, connectorId: 1, startedAt: 's', energyWh: 1200, active: true, flags: [] }] });
  });

  it('shows how the ledger ended each session: refused with its code and reason, or settled; the energy billed and the flags beside the claim', async () => {
    const answer = await new CsmsReader({ url, keyFile: path.join(dir, 'key') }).sessions('CP-3', 5);
    expect(answer).toMatchObject({
      status: 'ok',
      value: [
        { sessionId: 'CP-3-9', settlement: { status: 'refused', code: 'EVIDENCE_REJECTED', reason: 'BAD_SIGNATURE in record 1', ledgerTxId: 'tx-9' } },
        { sessionId: 'CP-3-8', energyWh: 9000, billedEnergyWh: 2000, flags: ['claimed-differs-from-signed'], settlement: { status: 'settled', charged: 150 } },
        { sessionId: 'CP-3-7', settlement: { status: 'settled', charged: 90, ledgerTxId: 'tx-7' } },
      ],
    });
  });

  it('answers unreachable for a refused key or a CSMS that does not answer, and never says why to the browser', async () => {
    const wrong = path.join(dir, 'wrong-key');
    await writeFile(wrong, 'not-the-key-0123456789abcdef', { mode: 0o600 });
    const refused = await new CsmsReader({ url, keyFile: wrong }).chargers();
    expect(refused).toMatchObject({ status: 'unreachable', reason: 'the CSMS answered 401' });
    expect(liveOf(refused, 'CP-1')).toEqual({ known: false, why: 'unreachable' });
    const down = await new CsmsReader({ url: 'http://127.0.0.1:1', keyFile: wrong, timeoutMs: 500 }).chargers();
    expect(down.status).toBe('unreachable');
  });

  it('reads one session as the CSMS holds it now, and says when the CSMS has none of that id or fails', async () => {
    const keyFile = path.join(dir, 'session-key');
    await writeFile(keyFile, KEY, { mode: 0o600 });
    const reader = new CsmsReader({ url, keyFile });
    await expect(reader.session('CP-1-7')).resolves.toEqual({ status: 'ok', value: { sessionId: 'CP-1-7', chargerId: 'CP-1', evseId: 1, connectorId: 1, startedAt: 's', energyWh: 1200, active: true, flags: [] } });
    await expect(reader.session('CP-1-404')).resolves.toEqual({ status: 'ok', value: undefined });
    await expect(reader.session('CP-9-500')).resolves.toMatchObject({ status: 'unreachable', reason: 'the CSMS answered 500' });
  });
});
