import type { Receipt } from '@chargeledger/chaincode/api';

/** The checks a receipt goes through, in the order they are reported. */
export const CHECKS = {
  'proof-format': 'the proof file is well formed',
  'block-hashes': 'each block\'s data matches its header, and the headers chain',
  'block-signatures': 'the ordering service signed each block',
  'peers-agree': 'two organizations\' peers served the same block',
  'transaction-valid': 'the peers recorded the settlement as valid',
  'submitter-signature': 'the submitter signed the transaction',
  'msp-membership': 'every certificate chains to its organization\'s CA in the channel configuration',
  'endorsement-signatures': 'every endorsement signature verifies',
  'endorsement-policy': 'Wallets and the Authority endorsed (a majority of organizations on a channel from before ADR 0039), Wallets among them',
  'receipt': 'the settlement wrote this receipt and the matching debit and credit',
  'session': 'the session read by the settlement, with its frozen tariff and meter key',
  'meter-key': 'the meter key was registered by the Authority and in force',
  'meter-signatures': 'the meter\'s records verify against that key and are the ones the ledger hashed',
  'price': 'the price recomputed from the frozen tariff equals the charge, capped at the hold',
} as const;

export type CheckId = keyof typeof CHECKS;

export interface CheckResult {
  readonly id: CheckId;
  readonly ok: boolean;
  readonly detail: string;
  /** The ledger has nothing this check could read (the embedded ledger has no ordering service, one copy). */
  readonly notApplicable?: true;
}

/** The facts a verified receipt states, as read from the ledger and recomputed. */
export interface ReceiptFacts extends Pick<Receipt, 'sessionId' | 'stationId' | 'evseId' | 'driverAccountId' | 'payeeAccountId' | 'currency' | 'energyWh' | 'tariffId' | 'tariffVersion'> {
  readonly startTime: string;
  readonly endTime: string;
  readonly charged: number;
  readonly recomputedPrice?: number;
  readonly holdAmount: number;
  readonly meterSerial?: string;
  readonly meterKeyId?: string;
  /** The meter's public key the session froze (SPKI, hex or base64), as the Authority registered it. */
  readonly meterPublicKey?: string;
  readonly endorsedBy: readonly string[];
  readonly submittedBy: string;
  readonly transactionId: string;
  readonly blockNumber: number;
  readonly committedAt: string;
  /** SHA-256 fingerprints of the CA certificates the checks trusted, per organization: compare them with what each organization publishes. */
  readonly trustAnchors: Readonly<Record<string, readonly string[]>>;
}

export interface Verdict {
  readonly verified: boolean;
  readonly ledger: 'fabric' | 'embedded';
  readonly sessionId: string;
  readonly checks: readonly CheckResult[];
  readonly receipt?: ReceiptFacts;
}

/** Collects check results; a check reported twice keeps its first failure. */
export class CheckList {
  readonly #results = new Map<CheckId, CheckResult>();

  pass(id: CheckId, detail: string): void {
    if (!this.#results.has(id)) this.#results.set(id, { id, ok: true, detail });
  }

  notApplicable(id: CheckId, detail: string): void {
    if (!this.#results.has(id)) this.#results.set(id, { id, ok: true, detail, notApplicable: true });
  }

  fail(id: CheckId, detail: string): void {
    const previous = this.#results.get(id);
    if (previous === undefined || previous.ok) this.#results.set(id, { id, ok: false, detail });
  }

  failed(id: CheckId): boolean {
    return this.#results.get(id)?.ok === false;
  }

  get ok(): boolean {
    return [...this.#results.values()].every((result) => result.ok);
  }

  results(): CheckResult[] {
    return (Object.keys(CHECKS) as CheckId[]).flatMap((id) => {
      const result = this.#results.get(id);
      return result === undefined ? [] : [result];
    });
  }
}
