import { CommitError, type Contract, type Network, type ProposalOptions } from '@hyperledger/fabric-gateway';
import type { RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import type { CallOptions, ChargingLedger } from './charging-ledger';
import { classifyLedgerError } from './errors';
import { CONFIRM_REFUSAL_MS, confirmDelayMs, decideRetry, resendDelayMs } from './retry';

export interface FabricLedgerOptions {
  readonly network: Network;
  readonly chaincode: string;
  /** Attempts at each stage (submit to the orderer, commit status) before the failure is passed up. */
  readonly stageAttempts: number;
  /**
   * How long a refusal that depends on state is confirmed before it is final (default 2 s): an endorsing
   * peer of another organization may not yet have committed the block the gateway's peer just did, and
   * refuses, e.g., an open session as NOT_FOUND for that moment. Longer than a block's BatchTimeout.
   */
  readonly confirmRefusalMs?: number;
}

/**
 * The typed wrapper over the contract: hides transaction names and JSON encoding, and carries out
 * decideRetry's `confirm` (a refusal a lagging peer may have given) and `resend` (the stage that failed after
 * the endorsement, never a second transaction). Everything else, conflicts at commit included, is passed up
 * as LedgerUnavailable for the caller's backoff, which endorses anew.
 */
export class FabricLedger implements ChargingLedger {
  readonly #network: Network;
  readonly #chaincode: string;
  readonly #stageAttempts: number;
  readonly #confirmRefusalMs: number;
  readonly #contracts = new Map<string, Contract>();

  constructor(options: Readonly<FabricLedgerOptions>) {
    this.#network = options.network;
    this.#chaincode = options.chaincode;
    this.#stageAttempts = options.stageAttempts;
    this.#confirmRefusalMs = options.confirmRefusalMs ?? CONFIRM_REFUSAL_MS;
  }

  async submit<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions = {}): Promise<ResultOf<T>> {
    const firstTriedAtMs = Date.now();
    const confirmRefusalMs = this.#confirmRefusalMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#submitOnce(name, request, options);
      } catch (error) {
        if (decideRetry(error, { confirm: { firstTriedAtMs, nowMs: Date.now(), confirmRefusalMs } }) !== 'confirm') throw error;
        await sleep(Math.min(confirmDelayMs(attempt), Math.max(0, firstTriedAtMs + confirmRefusalMs - Date.now())));
      }
    }
  }

  async #submitOnce<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions): Promise<ResultOf<T>> {
    const [contract, fn] = this.#resolve(name);
    try {
      const proposal = contract.newProposal(fn, proposalOptions(request, options));
      const transaction = await proposal.endorse();
      const submitted = await this.#resend(() => transaction.submit());
      const status = await this.#resend(() => submitted.getStatus());
      if (!status.successful) {
        throw new CommitError({ code: status.code, transactionId: status.transactionId, message: `transaction ${status.transactionId} failed to commit with status code ${status.code}` });
      }
      return decode(submitted.getResult()) as ResultOf<T>;
    } catch (error) {
      throw classifyLedgerError(error);
    }
  }

  async evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions = {}): Promise<ResultOf<T>> {
    const [contract, fn] = this.#resolve(name);
    try {
      return decode(await contract.evaluate(fn, proposalOptions(request, options))) as ResultOf<T>;
    } catch (error) {
      throw classifyLedgerError(error);
    }
  }

  async #resend<R>(stage: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await stage();
      } catch (error) {
        if (decideRetry(error, { stage: { attempt, attempts: this.#stageAttempts } }) !== 'resend') throw error;
        await sleep(resendDelayMs(attempt));
      }
    }
  }

  #resolve(name: TransactionName): [Contract, string] {
    const [contractName, fn] = name.split(':') as [string, string];
    let contract = this.#contracts.get(contractName);
    if (contract === undefined) {
      contract = this.#network.getContract(this.#chaincode, contractName);
      this.#contracts.set(contractName, contract);
    }
    return [contract, fn];
  }
}

function proposalOptions(request: unknown, options: CallOptions): ProposalOptions {
  return {
    arguments: [JSON.stringify(request)],
    ...(options.transient === undefined ? {} : { transientData: { ...options.transient } }),
    ...(options.endorsingOrganizations === undefined ? {} : { endorsingOrganizations: [...options.endorsingOrganizations] }),
  };
}

function decode(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
