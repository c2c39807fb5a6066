import type { ActionMap, RequestOf, ResponseOf } from '@chargeledger/ocpp-types';
import { RPCClient, RPCError } from 'ocpp-rpc';
import type { RPC_ClientOptions } from 'ocpp-rpc/lib/client';
import { ConfigurationError, ConnectionError } from '../errors';
import { TypedEmitter } from '../typed-emitter';

export type OcppSubprotocol = 'ocpp1.6' | 'ocpp2.0.1';

/** OCPP security profiles: 1 basic auth, 2 basic auth over TLS, 3 mutual TLS. 0 is for local testing only. */
export type OcppSecurity =
  | { readonly profile: 0 }
  | { readonly profile: 1; readonly password: string | Buffer }
  | { readonly profile: 2; readonly password: string | Buffer; readonly ca: string | Buffer }
  | { readonly profile: 3; readonly ca: string | Buffer; readonly cert: string | Buffer; readonly key: string | Buffer };

export interface ReconnectBackoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  /** 0..1; spreads reconnects of many chargers after an outage. */
  readonly jitter: number;
}

export interface OcppLinkOptions {
  readonly identity: string;
  /** `ws://host:port/ocpp` or `wss://…`; the identity is appended as the last path segment. */
  readonly endpoint: string;
  readonly protocol: OcppSubprotocol;
  readonly security: OcppSecurity;
  readonly backoff: ReconnectBackoff;
  readonly callTimeoutMs: number;
  /** Real, monotonic milliseconds (not the simulated clock): what call latencies are measured with. */
  readonly stopwatch: () => number;
}

export interface InboundContext {
  /** Runs `task` after the reply has been sent, for actions whose effects must follow their confirmation. */
  afterReply(task: () => void): void;
}

export type InboundHandler<Req, Res> = (request: Req, context: InboundContext) => Res | Promise<Res>;

export interface LinkEvents {
  open: { readonly reconnect: boolean };
  disconnect: { readonly code: number; readonly reason: string };
  /** A message that failed schema validation in either direction (strict mode). */
  invalidMessage: { readonly method: string; readonly outbound: boolean; readonly error: unknown };
  /** A call this side made was answered with a result; from handing it to ocpp-rpc to the answer, in real time. */
  callAnswered: { readonly action: string; readonly latencyMs: number };
}

/** A failure worth retrying: anything but an RPC error (a CALLERROR from the CSMS or a schema violation). */
export function isTransientCallFailure(error: unknown): boolean {
  return !(error instanceof RPCError);
}

/**
 * A transaction message is worth retrying on the failures above and also when the CSMS answers InternalError:
 * it could not store the message (its queue was away), and OCPP has a charger resend transaction messages.
 */
export function isTransientTransactionFailure(error: unknown): boolean {
  return isTransientCallFailure(error) || (error instanceof RPCError && error.rpcErrorCode === 'InternalError');
}

function checkSecurity(endpoint: string, security: OcppSecurity): void {
  const tls = endpoint.startsWith('wss://');
  if (!tls && !endpoint.startsWith('ws://')) throw new ConfigurationError('endpoint', `endpoint must be a ws:// or wss:// URL, got ${endpoint}`);
  if (security.profile >= 2 && !tls) throw new ConfigurationError('security', `security profile ${security.profile} needs a wss:// endpoint`);
  if (security.profile <= 1 && tls) throw new ConfigurationError('security', `a wss:// endpoint needs security profile 2 or 3`);
}

function rpcOptions(options: OcppLinkOptions): Partial<RPC_ClientOptions> {
  const { security, backoff } = options;
  const tls = security.profile === 2 ? { ca: security.ca } : security.profile === 3 ? { ca: security.ca, cert: security.cert, key: security.key } : {};
  return {
    identity: options.identity,
    endpoint: options.endpoint,
    protocols: [options.protocol],
    strictMode: true,
    callTimeoutMs: options.callTimeoutMs,
    callConcurrency: 1,
    reconnect: true,
    maxReconnects: Infinity,
    backoff: { initialDelay: backoff.initialDelayMs, maxDelay: backoff.maxDelayMs, factor: backoff.factor, randomisationFactor: backoff.jitter },
    ...(security.profile === 1 || security.profile === 2 ? { password: security.password as string } : {}),
    wsOpts: { ...tls, ...(security.profile >= 2 ? { minVersion: 'TLSv1.2' } : {}) },
  };
}

/**
 * ocpp-rpc's RPCClient behind the typed action maps: `Out` are the calls this side makes, `In` the calls it
 * answers. Strict mode validates both directions against the schemas the maps are generated from. After the
 * first successful connection, RPCClient reconnects by itself with exponential backoff.
 */
export class OcppLink<Out extends ActionMap<Out>, In extends ActionMap<In>> {
  readonly events = new TypedEmitter<LinkEvents>();
  readonly #options: OcppLinkOptions;
  readonly #client: RPCClient;
  #opened = false;

  constructor(options: Readonly<OcppLinkOptions>) {
    checkSecurity(options.endpoint, options.security);
    this.#options = options;
    // RPCClient's declared option type marks every option required although the library defaults them.
    this.#client = new RPCClient(rpcOptions(options) as RPC_ClientOptions);
    this.#client.on('open', () => {
      this.events.emit('open', { reconnect: this.#opened });
      this.#opened = true;
    });
    this.#client.on('disconnect', ({ code, reason }: { code: number; reason: string }) => this.events.emit('disconnect', { code, reason }));
    this.#client.on('strictValidationFailure', ({ method, outbound, error }: { method: string; outbound: boolean; error: unknown }) =>
      this.events.emit('invalidMessage', { method, outbound, error }),
    );
  }

  get isOpen(): boolean {
    return this.#client.state === RPCClient.OPEN;
  }

  async connect(): Promise<void> {
    try {
      await this.#client.connect();
    } catch (error) {
      throw new ConnectionError(this.#options.endpoint, this.#options.identity, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.#client.close({ code: 1000, reason: 'charge point closing' });
    this.#opened = false;
  }

  call<A extends keyof Out & string>(action: A, request: RequestOf<Out, A>): Promise<ResponseOf<Out, A>> {
    const { stopwatch } = this.#options;
    const sentAt = stopwatch();
    return (this.#client.call(action, request) as Promise<ResponseOf<Out, A>>).then((response) => {
      this.events.emit('callAnswered', { action, latencyMs: stopwatch() - sentAt });
      return response;
    });
  }

  /** Installs a whole handler table; `observe` sees each call with the answer given. */
  handleAll(handlers: { [A in keyof In]: InboundHandler<RequestOf<In, A>, ResponseOf<In, A>> }, observe: (action: string, request: unknown, response: unknown) => void): void {
    for (const action of Object.keys(handlers) as (keyof In & string)[]) {
      const handler = handlers[action];
      this.handle(action, async (request, context) => {
        const response = await handler(request, context);
        observe(action, request, response);
        return response;
      });
    }
  }

  handle<A extends keyof In & string>(action: A, handler: InboundHandler<RequestOf<In, A>, ResponseOf<In, A>>): void {
    this.#client.handle(action, async ({ params }) => {
      const deferred: (() => void)[] = [];
      const response = await handler(params as RequestOf<In, A>, { afterReply: (task) => deferred.push(task) });
      // ocpp-rpc writes the reply in the continuation of this promise; a macrotask runs strictly after it.
      if (deferred.length > 0) setImmediate(() => deferred.forEach((task) => task()));
      return response as Record<string, unknown>;
    });
  }
}
