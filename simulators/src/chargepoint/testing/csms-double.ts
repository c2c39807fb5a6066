import type { ActionMap, RequestOf, ResponseOf } from '@chargeledger/ocpp-types';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RPCServer } from 'ocpp-rpc';
import type RpcServerClient from 'ocpp-rpc/lib/server-client';
import type { OcppSubprotocol } from '../../ocpp/link';

/** A call a charge point made, as the CSMS double received it. */
export interface RecordedCall {
  readonly identity: string;
  readonly action: string;
  readonly payload: unknown;
}

type Responder = (payload: unknown, identity: string) => unknown;

export interface CsmsDoubleOptions {
  readonly protocol: OcppSubprotocol;
  /** When set, clients must present it with HTTP basic auth (security profiles 1 and 2). */
  readonly password?: string;
  /** Serve wss://; with `requireClientCertificate`, the certificate's CN must be the identity (security profile 3). */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca: string; readonly requireClientCertificate: boolean };
}

function defaultResponders(protocol: OcppSubprotocol): Record<string, Responder> {
  const now = (): string => new Date().toISOString();
  let nextTransactionId = 1000;
  const common: Record<string, Responder> = {
    BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 3600 }),
    Heartbeat: () => ({ currentTime: now() }),
    StatusNotification: () => ({}),
    MeterValues: () => ({}),
    FirmwareStatusNotification: () => ({}),
  };
  if (protocol === 'ocpp1.6') {
    return {
      ...common,
      Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
      StartTransaction: () => ({ transactionId: nextTransactionId++, idTagInfo: { status: 'Accepted' } }),
      StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
      DiagnosticsStatusNotification: () => ({}),
    };
  }
  return {
    ...common,
    Authorize: () => ({ idTokenInfo: { status: 'Accepted' } }),
    TransactionEvent: (payload) => ((payload as { eventType: string }).eventType === 'Started' ? { idTokenInfo: { status: 'Accepted' } } : {}),
    LogStatusNotification: () => ({}),
  };
}

/**
 * A CSMS for tests: a real ocpp-rpc RPCServer in strict mode on 127.0.0.1 and a random port, recording every
 * call in arrival order and answering with valid defaults that a test can override per action. It can be
 * stopped and restarted on the same port to simulate an outage.
 */
export class CsmsDouble<M extends ActionMap<M>> {
  readonly calls: RecordedCall[] = [];
  /** Schema violations seen by the server in either direction; a correct charge point causes none. */
  readonly validationFailures: unknown[] = [];
  readonly #options: CsmsDoubleOptions;
  readonly #responders: Record<string, Responder>;
  readonly #clients = new Map<string, RpcServerClient>();
  readonly #waiters = new Set<{ check: () => void; cancel: () => void }>();
  #server: RPCServer | undefined;
  #https: Server | undefined;
  #port = 0;

  private constructor(options: CsmsDoubleOptions) {
    this.#options = options;
    this.#responders = defaultResponders(options.protocol);
  }

  static async start<M extends ActionMap<M>>(options: CsmsDoubleOptions): Promise<CsmsDouble<M>> {
    const csms = new CsmsDouble<M>(options);
    await csms.restart();
    return csms;
  }

  get endpoint(): string {
    return `${this.#options.tls === undefined ? 'ws' : 'wss'}://127.0.0.1:${this.#port}/ocpp`;
  }

  /** Replaces the answer to one action. */
  respond<A extends keyof M & string>(action: A, responder: (payload: RequestOf<M, A>, identity: string) => ResponseOf<M, A>): void {
    this.#responders[action] = responder as Responder;
  }

  actions(): string[] {
    return this.calls.map((c) => c.action);
  }

  payloads<A extends keyof M & string>(action: A): RequestOf<M, A>[] {
    return this.calls.filter((c) => c.action === action).map((c) => c.payload as RequestOf<M, A>);
  }

  /** Resolves once `condition` holds for the calls recorded so far; fails after `timeoutMs` of real time. */
  waitFor(condition: (calls: readonly RecordedCall[]) => boolean, timeoutMs = 5_000): Promise<void> {
    if (condition(this.calls)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        reject(new Error(`${why}; calls so far: ${this.actions().join(', ')}`));
      };
      const waiter = {
        check: (): void => {
          if (!condition(this.calls)) return;
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
        cancel: () => fail('the CSMS double closed'),
      };
      const timer = setTimeout(() => fail(`condition not met within ${timeoutMs} ms`), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Sends a call to a connected charge point and returns its answer. */
  async call(identity: string, action: string, payload: object): Promise<unknown> {
    const client = this.#clients.get(identity);
    if (client === undefined) throw new Error(`${identity} is not connected`);
    return client.call(action, payload);
  }

  /** Stops listening and drops every connection, as an outage would. */
  async stop(): Promise<void> {
    const server = this.#server;
    const https = this.#https;
    this.#server = undefined;
    this.#https = undefined;
    this.#clients.clear();
    await server?.close({ code: 1001, reason: 'CSMS going away' });
    if (https !== undefined) await new Promise((resolve) => https.close(resolve));
  }

  /** Listens again, on the same port after the first start. */
  async restart(): Promise<void> {
    const server = new RPCServer({ protocols: [this.#options.protocol], strictMode: true, callTimeoutMs: 5_000 });
    server.auth((accept, reject, handshake) => {
      const { password, tls } = this.#options;
      if (password !== undefined && handshake.password?.toString('utf8') !== password) return reject(401, 'wrong password');
      if (tls?.requireClientCertificate === true) {
        const socket = handshake.request.socket as TLSSocket;
        if (!socket.authorized || socket.getPeerCertificate().subject.CN !== handshake.identity) return reject(401, 'certificate does not name the identity');
      }
      accept({});
    });
    server.on('client', (client: RpcServerClient) => {
      const identity = client.identity ?? '';
      this.#clients.set(identity, client);
      client.on('strictValidationFailure', (failure: unknown) => this.validationFailures.push(failure));
      client.handle(async ({ method, params }) => {
        const action = method ?? '';
        this.calls.push({ identity, action, payload: params });
        for (const waiter of [...this.#waiters]) waiter.check();
        const responder = this.#responders[action];
        if (responder === undefined) throw new Error(`the CSMS double has no answer for ${action}`);
        return (await responder(params, identity)) as Record<string, unknown>;
      });
    });
    const tls = this.#options.tls;
    if (tls === undefined) {
      const http = await server.listen(this.#port, '127.0.0.1');
      this.#port = (http.address() as AddressInfo).port;
    } else {
      const https = createServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: tls.requireClientCertificate, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
      https.on('upgrade', server.handleUpgrade);
      await new Promise<void>((resolve) => https.listen(this.#port, '127.0.0.1', resolve));
      this.#port = (https.address() as AddressInfo).port;
      this.#https = https;
    }
    this.#server = server;
  }

  async close(): Promise<void> {
    for (const waiter of [...this.#waiters]) waiter.cancel();
    await this.stop();
  }
}
