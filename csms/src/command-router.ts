import { randomUUID } from 'node:crypto';
import type { OcppAction, OcppRequest, OcppResponse, OcppVersion } from '@chargeledger/ocpp-types';
import type { Redis } from 'ioredis';
import { TimeoutError } from 'ocpp-rpc';
import type { Logger } from 'pino';
import { outboundProblem } from './ocpp/validators';
import { PendingReplies } from './pending-replies';

export class ChargerNotConnectedError extends Error {
  override readonly name = 'ChargerNotConnectedError';
  constructor(readonly identity: string) {
    super(`charger ${identity} is not connected to any CSMS node`);
  }
}

export class ChargerCallError extends Error {
  override readonly name = 'ChargerCallError';
  constructor(
    readonly identity: string,
    readonly rpcErrorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** The command does not fit the OCPP schema of the charger's protocol version; it was not sent. */
export class CommandRejectedError extends Error {
  override readonly name = 'CommandRejectedError';
  constructor(
    readonly identity: string,
    readonly rpcErrorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export class CommandTimeoutError extends Error {
  override readonly name = 'CommandTimeoutError';
  constructor(readonly identity: string, readonly timeoutMs: number) {
    super(`no answer from charger ${identity} within ${timeoutMs} ms`);
  }
}

interface LocalCharger {
  readonly protocol: string;
  call(method: string, params?: unknown): Promise<unknown>;
}

interface CommandMessage {
  readonly requestId: string;
  readonly identity: string;
  readonly action: string;
  readonly params: unknown;
  readonly replyTo: string;
}

type ReplyMessage = { readonly requestId: string } & (
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly rejected?: boolean; readonly timedOut?: boolean }
);

export interface CommandRouterOptions {
  readonly nodeId: string;
  readonly keyPrefix: string;
  /** For the charger → node map and for publishing. */
  readonly redis: Redis;
  /** A connection of its own: in subscriber mode it can do nothing else. */
  readonly subscriber: Redis;
  readonly local: (identity: string) => LocalCharger | undefined;
  readonly timeoutMs: number;
  readonly log: Logger;
}

/**
 * Several CSMS nodes share one Redis. Each records which chargers it holds; a command for a charger held
 * elsewhere goes over Redis pub/sub to that node, which calls the charger and publishes the answer back.
 */
export class CommandRouter {
  readonly #options: CommandRouterOptions;
  readonly #mapKey: string;
  readonly #commandChannel: string;
  readonly #replyChannel: string;
  readonly #pending = new PendingReplies<ReplyMessage>();

  constructor(options: Readonly<CommandRouterOptions>) {
    this.#options = options;
    this.#mapKey = `${options.keyPrefix}:charger-node`;
    this.#commandChannel = `${options.keyPrefix}:node:${options.nodeId}:commands`;
    this.#replyChannel = `${options.keyPrefix}:node:${options.nodeId}:replies`;
  }

  async start(): Promise<void> {
    this.#options.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.#commandChannel) void this.#serve(JSON.parse(text) as CommandMessage);
      else if (channel === this.#replyChannel) {
        const reply = JSON.parse(text) as ReplyMessage;
        this.#pending.deliver(reply.requestId, reply);
      }
    });
    await this.#options.subscriber.subscribe(this.#commandChannel, this.#replyChannel);
  }

  async register(identity: string): Promise<void> {
    await this.#options.redis.hset(this.#mapKey, identity, this.#options.nodeId);
  }

  /** Only the node that holds the charger now may remove it: a reconnect elsewhere has already claimed it. */
  async unregister(identity: string): Promise<void> {
    await this.#options.redis.eval("if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0", 1, this.#mapKey, identity, this.#options.nodeId);
  }

  /**
   * Sends a command in the words of one OCPP version, typed by its action. The schema of the charger's own
   * protocol checks the request before it is sent, so a command in the other version's words is refused unsent.
   */
  async call<V extends OcppVersion, A extends OcppAction<V>>(identity: string, version: V, action: A, request: OcppRequest<V, A>): Promise<OcppResponse<V, A>> {
    return (await this.relay(identity, action, request)) as OcppResponse<V, A>;
  }

  /** Sends a command as given (the admin API's body), typed only by the schema of the charger's protocol at run time. */
  async relay(identity: string, action: string, params: unknown): Promise<unknown> {
    const local = this.#options.local(identity);
    if (local !== undefined) return callCharger(local, identity, action, params, this.#options.timeoutMs);
    const nodeId = await this.#options.redis.hget(this.#mapKey, identity);
    if (nodeId === null) throw new ChargerNotConnectedError(identity);
    const requestId = randomUUID();
    const reply = this.#pending.wait(requestId, this.#options.timeoutMs);
    const command: CommandMessage = { requestId, identity, action, params, replyTo: this.#replyChannel };
    const receivers = await this.#options.redis.publish(`${this.#options.keyPrefix}:node:${nodeId}:commands`, JSON.stringify(command));
    if (receivers === 0) {
      this.#pending.deliver(requestId, { requestId, ok: false, code: 'NotConnected', message: 'node gone' });
      throw new ChargerNotConnectedError(identity);
    }
    const answer = await reply;
    if (answer === undefined) throw new CommandTimeoutError(identity, this.#options.timeoutMs);
    if (answer.ok) return answer.result;
    if (answer.code === 'NotConnected') throw new ChargerNotConnectedError(identity);
    if (answer.timedOut === true) throw new CommandTimeoutError(identity, this.#options.timeoutMs);
    if (answer.rejected === true) throw new CommandRejectedError(identity, answer.code, answer.message);
    throw new ChargerCallError(identity, answer.code, answer.message);
  }

  async #serve(command: CommandMessage): Promise<void> {
    const local = this.#options.local(command.identity);
    let reply: ReplyMessage;
    if (local === undefined) {
      reply = { requestId: command.requestId, ok: false, code: 'NotConnected', message: 'charger not on this node' };
    } else {
      try {
        reply = { requestId: command.requestId, ok: true, result: await callCharger(local, command.identity, command.action, command.params, this.#options.timeoutMs) };
      } catch (error) {
        const code = error instanceof ChargerCallError || error instanceof CommandRejectedError ? error.rpcErrorCode : error instanceof CommandTimeoutError ? 'ChargerTimeout' : 'InternalError';
        reply = {
          requestId: command.requestId,
          ok: false,
          code,
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof CommandRejectedError ? { rejected: true } : {}),
          ...(error instanceof CommandTimeoutError ? { timedOut: true } : {}),
        };
      }
    }
    await this.#options.redis.publish(command.replyTo, JSON.stringify(reply)).catch((error: unknown) => this.#options.log.error({ err: error }, 'could not publish a command reply'));
  }
}

async function callCharger(charger: LocalCharger, identity: string, action: string, params: unknown, timeoutMs: number): Promise<unknown> {
  // Checked here, against the protocol of the charger's socket, so that a malformed command is the caller's
  // error (400) and never looks like the charger's answer.
  const problem = outboundProblem(charger.protocol, action, params);
  if (problem !== undefined) throw new CommandRejectedError(identity, problem.code, problem.message);
  try {
    return await charger.call(action, params);
  } catch (error) {
    // No answer within the call timeout is the charger's silence, not an error it sent: 504, wherever the caller is.
    if (error instanceof TimeoutError) throw new CommandTimeoutError(identity, timeoutMs);
    const code = (error as { rpcErrorCode?: string }).rpcErrorCode ?? (error instanceof Error ? error.name : 'InternalError');
    throw new ChargerCallError(identity, code, error instanceof Error ? error.message : String(error));
  }
}
