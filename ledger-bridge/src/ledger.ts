import { CommitError, type Contract, type Network, type ProposalOptions } from '@hyperledger/fabric-gateway';
import type { RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import { classifyLedgerError, LedgerRefusal, LedgerUnavailable } from './errors';

export interface CallOptions {
  /** Values for the transient map; never written to a block. */
  readonly transient?: Readonly<Record<string, string>>;
  /** Organizations whose peers must endorse (or answer an evaluate), e.g. the private collection's members. */
  readonly endorsingOrganizations?: readonly string[];
}

/** What the bridge needs from the ledger: typed transactions by their `Contract:function` name. */
export interface ChargingLedger {
  submit<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>>;
  evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>>;
}

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

/** gRPC DEADLINE_EXCEEDED. */
const DEADLINE_EXCEEDED = 4;

/** How long a refusal that depends on state is confirmed, by default. */
export const CONFIRM_REFUSAL_MS = 2_000;

/** Refusals a peer lagging by a block could give where an up-to-date peer would not. */
export const STATE_DEPENDENT_REFUSALS: ReadonlySet<string> = new Set(['NOT_FOUND', 'INVALID_STATE', 'ID_TOKEN_REJECTED', 'INSUFFICIENT_FUNDS']);

/**
 * The typed wrapper over the contract: hides transaction names and JSON encoding, and retries the stage
 * that failed rather than the whole transaction — the same signed transaction is re-sent after a submit
 * error, and the commit status asked again after a status error — so no retry creates a second transaction.
 * Conflicts found at commit (MVCC, phantom read) need a fresh endorsement: they are passed up as
 * LedgerUnavailable for the caller's backoff, which endorses anew.
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
    const deadline = Date.now() + this.#confirmRefusalMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#submitOnce(name, request, options);
      } catch (error) {
        const lagging = error instanceof LedgerRefusal && STATE_DEPENDENT_REFUSALS.has(error.code);
        if (!lagging || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, Math.max(0, deadline - Date.now()))));
      }
    }
  }

  async #submitOnce<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions): Promise<ResultOf<T>> {
    const [contract, fn] = this.#resolve(name);
    try {
      const proposal = contract.newProposal(fn, proposalOptions(request, options));
      const transaction = await proposal.endorse();
      const submitted = await this.#retryStage(() => transaction.submit());
      // A status that does not come within its deadline is not asked again: the orderer may have lost the
      // transaction (killed with it in flight), and it would never commit. The caller's backoff endorses
      // anew, which the event id makes safe: had the first one committed after all, its result comes back.
      const status = await this.#retryStage(() => submitted.getStatus(), (sorted) => sorted.code !== DEADLINE_EXCEEDED);
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

  async #retryStage<R>(stage: () => Promise<R>, worthAskingAgain: (sorted: LedgerUnavailable) => boolean = () => true): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await stage();
      } catch (error) {
        const sorted = classifyLedgerError(error);
        if (!(sorted instanceof LedgerUnavailable) || sorted.stage === 'endorse' || !worthAskingAgain(sorted) || attempt >= this.#stageAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
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
