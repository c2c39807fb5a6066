import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createRPCError, RPCServer } from 'ocpp-rpc';
import type { Logger } from 'pino';
import { ConnectorLayoutError } from '../domain/connector-layout';
import type { ChargerRegistry } from '../stores/chargers';
import type { SecurityProfile } from '../domain/security-profiles';
import type { CsmsMetrics } from '../metrics';
import { QueueUnavailableError } from '../queue/publisher';
import type { HandlerContext, RouteTable } from './context';
import type { HandshakeThrottle } from '../domain/handshake-throttle';
import { certificateRejection, handshakeEvidence } from './handshake';
import { EvidenceFormatError } from './meter-readings';
import { strictValidators } from './validators';
import { routes16 } from './v16/routes';
import { routes201 } from './v201/routes';

export type OcppProtocol = 'ocpp1.6' | 'ocpp2.0.1';
const PROTOCOLS: readonly OcppProtocol[] = ['ocpp2.0.1', 'ocpp1.6'];

type AnyRoutes = RouteTable<Record<string, unknown>, Record<string, unknown>>;
const ROUTES: Record<OcppProtocol, AnyRoutes> = {
  'ocpp1.6': routes16 as unknown as AnyRoutes,
  'ocpp2.0.1': routes201 as unknown as AnyRoutes,
};

/** The subset of ocpp-rpc's server-side client the CSMS uses. */
export interface ChargerConnection {
  readonly identity: string;
  readonly protocol: OcppProtocol;
  call(method: string, params?: unknown, options?: { callTimeoutMs?: number }): Promise<unknown>;
  close(options?: { code?: number; reason?: string; awaitPending?: boolean; force?: boolean }): Promise<unknown>;
}

export interface OcppServerOptions {
  readonly log: Logger;
  readonly chargers: ChargerRegistry;
  /** Refused handshakes per identity and address; past its limits a handshake is refused before any check. */
  readonly handshakeThrottle: HandshakeThrottle;
  readonly maxFrameBytes: number;
  readonly callTimeoutMs: number;
  /** Builds the context each call is handled with; services are shared, the charger id is the caller's. */
  readonly contextFor: (chargerId: string, log: Logger) => HandlerContext;
  readonly metrics: CsmsMetrics;
  /** Called when a charger's socket opens and closes on this node (the command router records it). */
  readonly onConnect: (identity: string) => Promise<void>;
  readonly onDisconnect: (identity: string) => Promise<void>;
}

/**
 * OCPP-J over WebSockets for 1.6 and 2.0.1, strict schema validation in both directions, chargers
 * authenticated at the handshake with the security profile they were provisioned for: a password checked against
 * its stored hash (profiles 1 and 2), or a trusted client certificate whose subject CN is the identity (profile 3).
 */
export class OcppServer {
  readonly #rpc: RPCServer;
  readonly #log: Logger;
  readonly #connections = new Map<string, ChargerConnection>();

  constructor(options: Readonly<OcppServerOptions>) {
    this.#log = options.log;
    this.#rpc = new RPCServer({
      protocols: [...PROTOCOLS],
      strictMode: true,
      strictModeValidators: strictValidators,
      callTimeoutMs: options.callTimeoutMs,
      wssOptions: { maxPayload: options.maxFrameBytes },
      maxBadMessages: 10,
    });
    this.#rpc.auth((accept, reject, handshake) => {
      // ocpp-rpc would complete a handshake without a common subprotocol and hand over a connection no route
      // table fits; refused here, before the registry is asked, so a live connection of the identity stays open.
      if (!PROTOCOLS.some((protocol) => handshake.protocols.has(protocol))) {
        this.#log.warn({ chargerId: handshake.identity, remoteAddress: handshake.remoteAddress, offered: [...handshake.protocols] }, 'charger refused at handshake: no OCPP version offered that this CSMS speaks');
        reject(400, `offer one of the subprotocols ${PROTOCOLS.join(', ')}`);
        return;
      }
      const throttle = options.handshakeThrottle;
      if (throttle.blocked(handshake.identity, handshake.remoteAddress)) {
        this.#log.warn({ chargerId: handshake.identity, remoteAddress: handshake.remoteAddress }, 'charger refused at handshake: too many refused handshakes');
        reject(429, 'too many refused handshakes; try again later');
        return;
      }
      const evidence = handshakeEvidence(handshake.request, handshake.password);
      options.chargers.authenticate(handshake.identity, evidence).then(
        (outcome) => {
          if (!outcome.accepted) {
            throttle.failed(handshake.identity, handshake.remoteAddress);
            this.#log.warn(
              { chargerId: handshake.identity, remoteAddress: handshake.remoteAddress, tls: evidence.tls, reason: outcome.reason, provenProfile: outcome.provenProfile, certificateRejection: certificateRejection(handshake.request) },
              'charger refused at handshake',
            );
            // The same answer for every refusal: which check failed is for the operator's log, not for the caller.
            reject(401, 'unknown charger or credentials not accepted');
            return;
          }
          throttle.succeeded(handshake.identity);
          accept({ chargerId: handshake.identity, securityProfile: outcome.profile });
        },
        (error: unknown) => {
          this.#log.error({ err: error }, 'handshake check failed');
          reject(503, 'charger registry unavailable');
        },
      );
    });
    this.#rpc.on('client', (client: ChargerConnection & { session: { securityProfile: SecurityProfile }; handle: (method: string | ((call: { method: string }) => unknown), handler?: (call: { params: unknown; method: string }) => unknown) => void; on: (event: string, listener: (...args: unknown[]) => void) => void }) => {
      const log = this.#log.child({ chargerId: client.identity, protocol: client.protocol });
      closeNeverRejects(client, log);
      const previous = this.#connections.get(client.identity);
      if (previous !== undefined) {
        log.warn('a second connection with the same identity: the older one is closed');
        void previous.close({ code: 4000, reason: 'replaced by a newer connection', awaitPending: false }).catch(() => undefined);
      }
      this.#connections.set(client.identity, client);
      void options.onConnect(client.identity).catch((error: unknown) => log.error({ err: error }, 'could not record the connection'));
      client.on('close', () => {
        if (this.#connections.get(client.identity) === client) {
          this.#connections.delete(client.identity);
          void options.onDisconnect(client.identity).catch((error: unknown) => log.error({ err: error }, 'could not record the disconnection'));
        }
        log.info('charger disconnected');
      });
      const ctx = options.contextFor(client.identity, log);
      const routes = ROUTES[client.protocol];
      for (const [action, handler] of Object.entries(routes)) {
        client.handle(action, async ({ params }) => {
          const stopTimer = options.metrics.callSeconds.startTimer({ protocol: client.protocol, action });
          try {
            const response = await handler(ctx, params);
            options.metrics.messages.inc({ protocol: client.protocol, action, result: 'ok' });
            return response;
          } catch (error) {
            const rpcError = toRpcError(error, action, log);
            options.metrics.messages.inc({ protocol: client.protocol, action, result: (rpcError as { rpcErrorCode?: string }).rpcErrorCode ?? 'InternalError' });
            throw rpcError;
          } finally {
            stopTimer();
          }
        });
      }
      client.handle(({ method }) => {
        options.metrics.messages.inc({ protocol: client.protocol, action: 'unknown', result: 'NotImplemented' });
        log.warn({ action: method }, 'action not implemented');
        throw createRPCError('NotImplemented', `${method} is not implemented by this CSMS`);
      });
      log.info({ securityProfile: client.session.securityProfile }, 'charger connected');
    });
  }

  get handleUpgrade(): (request: IncomingMessage, socket: Socket, head: Buffer) => void {
    return this.#rpc.handleUpgrade;
  }

  connection(identity: string): ChargerConnection | undefined {
    return this.#connections.get(identity);
  }

  get connectedCount(): number {
    return this.#connections.size;
  }

  connectedIdentities(): string[] {
    return [...this.#connections.keys()].sort();
  }

  async close(): Promise<void> {
    await this.#rpc.close({ code: 1001, reason: 'CSMS shutting down', awaitPending: true });
  }
}

/**
 * ocpp-rpc closes a connection by itself (more bad messages than allowed, a reply it cannot send) without
 * handling the promise, and that promise rejects when the socket errors before it has closed: a frame over the
 * size limit arriving mid-close. An unhandled rejection would end the process and every charger's connection
 * with it, so the connection's own close, which ocpp-rpc calls as `this.close`, is replaced by one that logs the
 * failure and resolves. Every close of every connection, whoever starts it, goes through it.
 */
function closeNeverRejects(client: ChargerConnection, log: Logger): void {
  const close = client.close.bind(client);
  client.close = async (options) => {
    try {
      return await close(options);
    } catch (error) {
      log.warn({ err: error }, 'the socket failed while it was being closed');
      return { code: 1006, reason: 'the socket failed while closing' };
    }
  };
}

/** Errors a charger should see as such: storage trouble is InternalError (it retries), bad evidence is its own fault. */
function toRpcError(error: unknown, action: string, log: Logger): unknown {
  if (error instanceof QueueUnavailableError) {
    if (error.redisFull) log.error({ err: error, action, eventId: error.eventId }, 'Redis is full (maxmemory reached): event not stored; the charger gets InternalError and retries until there is room');
    else log.error({ err: error, action, eventId: error.eventId }, 'event not stored; the charger gets an error and retries');
    return createRPCError('InternalError', 'the event could not be stored; retry later');
  }
  if (error instanceof EvidenceFormatError || error instanceof ConnectorLayoutError) {
    log.warn({ action, reason: error.message }, 'request does not fit what the charger was provisioned with or sent');
    return createRPCError('PropertyConstraintViolation', error.message);
  }
  log.error({ err: error, action }, 'handler failed');
  return createRPCError('InternalError', 'internal error');
}
