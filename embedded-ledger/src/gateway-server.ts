import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MspId, TransactionName } from '@chargeledger/chaincode/api';
import { type CallOptions, classifyLedgerError, LedgerRefusal } from '@chargeledger/ledger-client';
import type { EmbeddedLedger } from './ledger';
import { CHANNEL_ORGANIZATIONS } from './msp';

/**
 * The embedded ledger's gateway for the other local programs (the demo, the participants' services): the
 * process that holds the ledger is the only one that may open it, so they submit and evaluate through it.
 * Loopback only, behind one key per organization kept in the data folder's secrets: a key submits and evaluates
 * only as identities of its own organization (any party inside it), and every key reads blocks, as any member
 * of a Fabric channel may. Each organization's service is given its own key only. The process behind the
 * gateway still holds every organization's signing keys: the embedded ledger is one process for trying the
 * system, and says so (docs/embedded-ledger.md).
 */

export interface GatewayCall {
  readonly identity: { readonly mspId: MspId; readonly attributes?: Readonly<Record<string, string>> };
  readonly name: TransactionName;
  readonly request: unknown;
  readonly transient?: Readonly<Record<string, string>>;
  readonly endorsingOrganizations?: readonly string[];
}

/** A refusal or an outage, as the gateway answers it (HTTP 422 and 503). */
export interface GatewayFailure {
  readonly error: 'LedgerRefusal' | 'LedgerUnavailable' | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound';
  readonly code: string;
  readonly message: string;
  readonly transactionId?: string;
}

export interface EmbeddedGatewayOptions {
  readonly ledger: EmbeddedLedger;
  readonly host: string;
  readonly port: number;
  /** Each organization's key; an organization without one cannot use the gateway. */
  readonly keys: Readonly<Partial<Record<MspId, string>>>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function startEmbeddedGateway(options: Readonly<EmbeddedGatewayOptions>): Promise<{ readonly server: Server; readonly url: string }> {
  const keys = Object.entries(options.keys).flatMap(([mspId, key]) => (key === undefined || key === '' ? [] : [{ mspId: mspId as MspId, digest: sha256(`Bearer ${key}`) }]));
  const server = createServer((request, response) => {
    void handle(options, keys, request, response).catch(() => {
      // What failed stays in this process: a caller is told only that the gateway could not answer.
      send(response, 500, { error: 'LedgerUnavailable', code: 'INTERNAL', message: 'the embedded ledger gateway could not answer this request' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${options.host}:${port}` };
}

/** The organization whose key the request presents; every key is compared, in constant time. */
function callerOf(keys: readonly { readonly mspId: MspId; readonly digest: Buffer }[], request: IncomingMessage): MspId | undefined {
  const presented = sha256(request.headers.authorization ?? '');
  let caller: MspId | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, presented)) caller = key.mspId;
  return caller;
}

async function handle(options: EmbeddedGatewayOptions, keys: readonly { readonly mspId: MspId; readonly digest: Buffer }[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const caller = callerOf(keys, request);
  if (caller === undefined) {
    send(response, 401, { error: 'Unauthorized', code: 'UNAUTHORIZED', message: 'the embedded ledger gateway needs an organization\'s key' });
    return;
  }
  // Only the path matters; an absolute-form request target is refused rather than parsed.
  const target = request.url ?? '/';
  if (!target.startsWith('/')) {
    send(response, 400, { error: 'BadRequest', code: 'BAD_REQUEST', message: 'the request target must be a path' });
    return;
  }
  const url = new URL(target, 'http://gateway');
  if (request.method === 'GET' && url.pathname === '/v1/height') {
    send(response, 200, { height: options.ledger.height() });
    return;
  }
  const blockNumber = /^\/v1\/blocks\/(0|[1-9][0-9]{0,15})$/.exec(url.pathname)?.[1];
  if (request.method === 'GET' && blockNumber !== undefined) {
    const block = await options.ledger.getBlock(Number(blockNumber));
    if (block === undefined) send(response, 404, { error: 'NotFound', code: 'NOT_FOUND', message: `no block ${blockNumber}` });
    else send(response, 200, block);
    return;
  }
  const transaction = /^\/v1\/transactions\/([0-9a-f]{64})$/.exec(url.pathname);
  if (request.method === 'GET' && transaction !== null) {
    const record = await options.ledger.getTransaction(transaction[1] as string);
    if (record === undefined) send(response, 404, { error: 'NotFound', code: 'NOT_FOUND', message: 'no such transaction' });
    else send(response, 200, { transactionId: transaction[1], blockNumber: record.blockNumber, validationCode: record.validationCode });
    return;
  }
  const kind = /^\/v1\/(submit|evaluate)$/.exec(url.pathname)?.[1];
  if (request.method !== 'POST' || kind === undefined) {
    send(response, 404, { error: 'NotFound', code: 'NOT_FOUND', message: `${request.method ?? ''} ${url.pathname} is not a route of the embedded ledger gateway` });
    return;
  }
  let call: GatewayCall;
  try {
    call = parseCall(await readBody(request));
  } catch (error) {
    send(response, 400, { error: 'BadRequest', code: 'BAD_REQUEST', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  if (call.identity.mspId !== caller) {
    send(response, 403, { error: 'Forbidden', code: 'FORBIDDEN', message: `this key acts for ${caller} only, not for ${call.identity.mspId}` });
    return;
  }
  const ledger = options.ledger.asOrganization(call.identity.mspId, call.identity.attributes);
  const callOptions: CallOptions = {
    ...(call.transient === undefined ? {} : { transient: call.transient }),
    ...(call.endorsingOrganizations === undefined ? {} : { endorsingOrganizations: call.endorsingOrganizations }),
  };
  try {
    const result = kind === 'submit' ? await ledger.submit(call.name, call.request as never, callOptions) : await ledger.evaluate(call.name, call.request as never, callOptions);
    send(response, 200, { result });
  } catch (error) {
    const sorted = classifyLedgerError(error);
    if (sorted instanceof LedgerRefusal) {
      send(response, 422, { error: 'LedgerRefusal', code: sorted.code, message: sorted.reason, ...(sorted.transactionId === undefined ? {} : { transactionId: sorted.transactionId }) });
    } else {
      send(response, 503, { error: 'LedgerUnavailable', code: String(sorted.code), message: sorted.message, ...(sorted.transactionId === undefined ? {} : { transactionId: sorted.transactionId }) });
    }
  }
}

function parseCall(body: unknown): GatewayCall {
  if (typeof body !== 'object' || body === null) throw new Error('the body must be a JSON object');
  const call = body as Partial<GatewayCall>;
  if (typeof call.name !== 'string' || !/^[A-Z][A-Za-z]+:[a-zA-Z]+$/.test(call.name)) throw new Error('name must be a transaction name such as Wallet:getAccount');
  if (typeof call.identity !== 'object' || call.identity === null || !(CHANNEL_ORGANIZATIONS as readonly string[]).includes(call.identity.mspId)) {
    throw new Error(`identity.mspId must be one of ${CHANNEL_ORGANIZATIONS.join(', ')}`);
  }
  if (!('request' in call)) throw new Error('request is required (the transaction request object)');
  if (call.identity.attributes !== undefined && !isStringRecord(call.identity.attributes)) throw new Error('identity.attributes must be an object of strings');
  if (call.transient !== undefined && !isStringRecord(call.transient)) throw new Error('transient must be an object of strings');
  if (call.endorsingOrganizations !== undefined && !(Array.isArray(call.endorsingOrganizations) && call.endorsingOrganizations.every((org) => (CHANNEL_ORGANIZATIONS as readonly unknown[]).includes(org)))) {
    throw new Error(`endorsingOrganizations must list some of ${CHANNEL_ORGANIZATIONS.join(', ')}`);
  }
  return call as GatewayCall;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('the body is not JSON');
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
