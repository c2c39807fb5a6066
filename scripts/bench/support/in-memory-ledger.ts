/**
 * NOT FABRIC. This is the chaincode's in-memory channel (chaincode/src/testing/network.ts, ADR 0006) behind
 * the ledger bridge's `ChargingLedger` interface, for the Authorize benchmark, which measures the CSMS and the
 * question transport rather than a ledger (the ledger scenarios in test/ledger run on the embedded ledger
 * and on the Fabric network). What it keeps of Fabric is
 * what TestNetwork keeps: the real contract dispatcher, endorsement on each named organization's peer,
 * private data readable only on member peers, MVCC and endorsement-policy validation at commit. What it
 * does not have: gRPC, discovery, an orderer, blocks, more than one peer per organization.
 *
 * It plays the part of the Fabric Gateway as `FabricLedger` (ledger-bridge/src/ledger.ts) uses it:
 * - submit endorses on the organizations named in `endorsingOrganizations`, or else on every channel
 *   organization (a layout that meets any policy discovery could have chosen), then commits;
 * - evaluate runs on one peer of the first named organization, or else on a peer of the client's own
 *   organization, where the gateway the bridge connects to runs;
 * - failures become the errors the fabric-gateway client raises (EndorseError for a refused endorsement,
 *   a plain GatewayError for a refused evaluation, CommitError for an invalidated transaction) and then go
 *   through the bridge's own `classifyLedgerError`, so callers see exactly what the real wrapper gives them.
 */
import { Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { CommitError as GatewayCommitError, EndorseError as GatewayEndorseError, GatewayError, StatusCode, type ErrorDetail } from '@hyperledger/fabric-gateway';
import type { MspId, RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import { CHANNEL_ORGS, CommitError, EndorseError, type Endorsed, type Identity, type TestNetwork, type ValidationCode } from '@chargeledger/chaincode/testing';
import { type CallOptions, type ChargingLedger, classifyLedgerError } from '@chargeledger/ledger-client';

export interface InMemoryLedgerOptions {
  readonly network: TestNetwork;
  /** The bridge's client identity: an OperatorsMSP certificate carrying the operator's id attribute. */
  readonly identity: Identity;
  /** The bridge's clock. A gateway client stamps each proposal with its own time; the chaincode's "now" is that stamp. */
  readonly clock: { now(): number };
}

// TestNetwork does not reveal the id of a proposal its peers refused; the real client would know it.
const UNKNOWN_TRANSACTION_ID = undefined as unknown as string;

type TxValidationCode = (typeof StatusCode)[keyof typeof StatusCode];

const VALIDATION_CODES: Readonly<Record<ValidationCode, TxValidationCode>> = {
  MVCC_READ_CONFLICT: StatusCode.MVCC_READ_CONFLICT,
  PHANTOM_READ_CONFLICT: StatusCode.PHANTOM_READ_CONFLICT,
  ENDORSEMENT_POLICY_FAILURE: StatusCode.ENDORSEMENT_POLICY_FAILURE,
  // Never reported at commit: TestNetwork raises it while endorsing (see endorseFailure).
  ENDORSEMENT_MISMATCH: StatusCode.INVALID_OTHER_REASON,
};

export class InMemoryLedger implements ChargingLedger {
  readonly #network: TestNetwork;
  readonly #identity: Identity;
  readonly #clock: { now(): number };
  #lastStampMs = Number.NEGATIVE_INFINITY;

  constructor(options: Readonly<InMemoryLedgerOptions>) {
    this.#network = options.network;
    this.#identity = options.identity;
    this.#clock = options.clock;
  }

  async submit<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions = {}): Promise<ResultOf<T>> {
    let endorsed: Endorsed;
    try {
      const endorsers = channelOrgs(options.endorsingOrganizations ?? CHANNEL_ORGS);
      endorsed = await this.#network.endorse(this.#identity, name, request, { ...transientOf(options), timestampMs: this.#stamp(), endorsers });
    } catch (error) {
      throw classifyLedgerError(endorseFailure(error));
    }
    const [invalidated] = this.#network.commit([endorsed]);
    if (invalidated !== undefined) throw classifyLedgerError(commitFailure(invalidated));
    return JSON.parse(endorsed.payload) as ResultOf<T>;
  }

  async evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options: CallOptions = {}): Promise<ResultOf<T>> {
    try {
      const [peer] = channelOrgs(options.endorsingOrganizations ?? [this.#identity.mspId]);
      return await this.#network.evaluate(this.#identity, name, request, { ...transientOf(options), timestampMs: this.#stamp(), ...(peer === undefined ? {} : { peer }) });
    } catch (error) {
      throw classifyLedgerError(evaluateFailure(error));
    }
  }

  /**
   * The client's clock moves on between two proposals. A simulated clock may stand still while several are
   * made, and the chaincode reads one instant as "no time has passed" (recordProgress refuses progress at
   * the instant of the open), so each stamp is at least 1 ms after the previous one.
   */
  #stamp(): number {
    this.#lastStampMs = Math.max(this.#clock.now(), this.#lastStampMs + 1);
    return this.#lastStampMs;
  }
}

function transientOf(options: CallOptions): { readonly transient?: Readonly<Record<string, string>> } {
  return options.transient === undefined ? {} : { transient: options.transient };
}

/** The gateway refuses a plan naming an organization it has no peer for (gRPC UNAVAILABLE, as planForOrgs fails). */
function channelOrgs(names: readonly string[]): MspId[] {
  const unknown = names.filter((name) => !(CHANNEL_ORGS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    const message = `no endorsing peers found for organizations ${unknown.join(', ')}`;
    throw new GatewayEndorseError({ code: grpcStatus.UNAVAILABLE, details: [], cause: serviceError(grpcStatus.UNAVAILABLE, message), transactionId: UNKNOWN_TRANSACTION_ID, message });
  }
  return names as MspId[];
}

/**
 * A peer's refusal reaches the client as the gateway reports it: gRPC ABORTED, "failed to endorse", the
 * peer's answer in the details. Differing endorsements are refused by the gateway the same way.
 */
function endorseFailure(error: unknown): unknown {
  if (error instanceof EndorseError) {
    const message = 'failed to endorse transaction, see attached details for more info';
    return new GatewayEndorseError({ code: grpcStatus.ABORTED, details: [peerDetail(error)], cause: serviceError(grpcStatus.ABORTED, message), transactionId: UNKNOWN_TRANSACTION_ID, message });
  }
  if (error instanceof CommitError && error.code === 'ENDORSEMENT_MISMATCH') {
    const message = 'failed to collect enough transaction endorsements, see attached details for more info';
    const details: ErrorDetail[] = [{ address: '', mspId: '', message: 'ProposalResponsePayloads do not match' }];
    return new GatewayEndorseError({ code: grpcStatus.ABORTED, details, cause: serviceError(grpcStatus.ABORTED, message), transactionId: error.txId, message });
  }
  return error;
}

/** The fabric-gateway client raises a plain GatewayError from Contract.evaluate; the gateway answers a chaincode error with UNKNOWN. */
function evaluateFailure(error: unknown): unknown {
  if (!(error instanceof EndorseError)) return error;
  const message = `evaluate call to endorser returned error: chaincode response 500, ${error.message}`;
  return new GatewayError({ code: grpcStatus.UNKNOWN, details: [peerDetail(error)], cause: serviceError(grpcStatus.UNKNOWN, message), message });
}

/** As FabricLedger reports an unsuccessful commit status. */
function commitFailure(error: CommitError): GatewayCommitError {
  const code = VALIDATION_CODES[error.code];
  return new GatewayCommitError({ code, transactionId: error.txId, message: `transaction ${error.txId} failed to commit with status code ${code}` });
}

function peerDetail(error: EndorseError): ErrorDetail {
  return { address: `peer0.${error.peer.replace(/MSP$/, '').toLowerCase()}:7051`, mspId: error.peer, message: `chaincode response 500, ${error.message}` };
}

function serviceError(code: grpcStatus, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${grpcStatus[code]}: ${details}`), { code, details, metadata: new Metadata() });
}
