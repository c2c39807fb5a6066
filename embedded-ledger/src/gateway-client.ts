import type { MspId, RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import { type CallOptions, type ChargingLedger, LedgerRefusal, type LedgerRefusalCode, LedgerUnavailable } from '@chargeledger/ledger-client';
import type { Block } from './blocks';
import type { GatewayFailure } from './gateway-server';

export interface EmbeddedGatewayClientOptions {
  readonly url: string;
  readonly key: string;
  readonly identity: { readonly mspId: MspId; readonly attributes?: Readonly<Record<string, string>> };
}

/** A ChargingLedger acting with one identity through the embedded ledger's gateway; failures are the bridge's sorted errors. */
export class EmbeddedGatewayClient implements ChargingLedger {
  readonly #options: EmbeddedGatewayClientOptions;

  constructor(options: Readonly<EmbeddedGatewayClientOptions>) {
    this.#options = options;
  }

  /** The same gateway, acting with another identity. */
  as(identity: EmbeddedGatewayClientOptions['identity']): EmbeddedGatewayClient {
    return new EmbeddedGatewayClient({ ...this.#options, identity });
  }

  submit<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions = {}): Promise<ResultOf<T>> {
    return this.#call('submit', name, request, options) as Promise<ResultOf<T>>;
  }

  evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions = {}): Promise<ResultOf<T>> {
    return this.#call('evaluate', name, request, options) as Promise<ResultOf<T>>;
  }

  /** The block a transaction was committed in, for receipts. */
  async blockNumberOf(transactionId: string): Promise<number | undefined> {
    const response = await this.#fetch(`/v1/transactions/${transactionId}`, { method: 'GET' });
    if (response.status === 404) return undefined;
    return ((await response.json()) as { blockNumber: number }).blockNumber;
  }

  /** A block as the chain holds it (JSON), or undefined past the chain's height: what a receipt's proof is gathered from. */
  async block(number: number): Promise<Block | undefined> {
    const response = await this.#fetch(`/v1/blocks/${number}`, { method: 'GET' });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new LedgerUnavailable({ stage: 'evaluate', code: String(response.status), cause: new Error(await response.text()) });
    return (await response.json()) as Block;
  }

  async height(): Promise<number> {
    return ((await (await this.#fetch('/v1/height', { method: 'GET' })).json()) as { height: number }).height;
  }

  async #call(kind: 'submit' | 'evaluate', name: TransactionName, request: unknown, options: CallOptions): Promise<unknown> {
    const body = JSON.stringify({ identity: this.#options.identity, name, request, transient: options.transient, endorsingOrganizations: options.endorsingOrganizations });
    const response = await this.#fetch(`/v1/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await response.json()) as { result: unknown } | GatewayFailure;
    if (response.ok && 'result' in answer) return answer.result;
    const failure = answer as GatewayFailure;
    // A key used for another organization's identity: final, as the chaincode's own refusals are.
    if (failure.error === 'Forbidden') throw new LedgerRefusal({ code: 'ACCESS_DENIED', reason: failure.message });
    if (failure.error === 'LedgerRefusal') throw new LedgerRefusal({ code: failure.code as LedgerRefusalCode, reason: failure.message, transactionId: failure.transactionId });
    throw new LedgerUnavailable({ stage: kind === 'submit' ? 'endorse' : 'evaluate', code: failure.code, transactionId: failure.transactionId, cause: new Error(failure.message) });
  }

  async #fetch(route: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.#options.url}${route}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${this.#options.key}` } });
    } catch (error) {
      throw new LedgerUnavailable({ stage: 'endorse', code: 'UNREACHABLE', cause: error });
    }
  }
}
