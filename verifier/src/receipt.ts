import type { LedgerEntry, Meter, Receipt } from '@chargeledger/chaincode/api';
import { OcmfError, verifyOcmfSignature, verifyTransactionEvidence, type MeterEvidence } from '@chargeledger/chaincode/ocmf';
import { PricingError, priceMeasurement, type Tariff } from '@chargeledger/chaincode/pricing';
import { compositeKey, describeKey, type CommittedTransaction, type KeyVersion } from './ledger-view';
import { fingerprint, type Membership } from './certificates';
import { formatMoney as money } from './render';
import type { CheckList, ReceiptFacts, Verdict } from './verdict';

/** The organization whose endorsement every movement of a driver's money needs (ADR 0002). */
export const WALLETS_MSP = 'WalletsMSP';
/** The only organization that registers, rotates and revokes meter keys. */
export const AUTHORITY_MSP = 'AuthorityMSP';

/** The part of the chaincode's session record (not part of its API) the checks read: what the open froze. */
interface SessionRecord {
  readonly sessionId: string;
  readonly holdAmount: number;
  readonly tariff: { readonly tariffId: string; readonly version: number; readonly tariff: Tariff };
  readonly meter?: { readonly meterSerial: string; readonly keyId: string; readonly publicKey: string };
}

export interface ReceiptInputs {
  readonly sessionId: string;
  /** The settlement, its signatures already checked. */
  readonly settlement: CommittedTransaction;
  /** The transaction that wrote a key at a version the settlement read, its signatures already checked; undefined if the proof lacks it. */
  readonly writerAt: (version: KeyVersion) => CommittedTransaction | undefined;
  readonly applicationOrganizations: readonly string[];
  readonly ocmfRecords: readonly string[];
}

/** What the receipt checks established, for the verdict. */
export type ReceiptOutcome = Omit<ReceiptFacts, 'trustAnchors' | 'blockNumber' | 'committedAt' | 'transactionId' | 'submittedBy' | 'endorsedBy'> | undefined;

/**
 * The business checks, on transactions whose signatures hold: the endorsers satisfy the design's policy,
 * the settlement wrote this session's receipt with the debit and credit it states, the meter's records
 * verify against the key the Authority registered and the session froze, and the price recomputed from the
 * frozen tariff equals the charge.
 */
export function checkReceipt(inputs: ReceiptInputs, checks: CheckList): ReceiptOutcome {
  const { settlement, sessionId } = inputs;
  checkEndorsementPolicy(settlement, inputs.applicationOrganizations, checks);

  const receipt = readJson<Receipt>(settlement.writes.get(compositeKey('cl.receipt', sessionId)));
  if (receipt === undefined || receipt.sessionId !== sessionId || typeof receipt.charged !== 'number') {
    checks.fail('receipt', `transaction ${settlement.transactionId} wrote no receipt for session ${sessionId}`);
    return undefined;
  }
  if (receipt.txId !== settlement.transactionId) checks.fail('receipt', `the receipt names transaction ${receipt.txId}, not ${settlement.transactionId}`);
  checkEntries(settlement, receipt, checks);

  const session = dependency<SessionRecord>(inputs, compositeKey('cl.session', sessionId), 'session', checks);
  if (session === undefined) return facts(receipt, undefined);
  const withKey = (recomputed: number | undefined): ReceiptOutcome => ({ ...(facts(receipt, recomputed) as NonNullable<ReceiptOutcome>), ...(session.meter === undefined ? {} : { meterPublicKey: session.meter.publicKey }) });
  if (session.tariff.tariffId !== receipt.tariffId || session.tariff.version !== receipt.tariffVersion) {
    checks.fail('session', `the receipt names tariff ${receipt.tariffId} v${receipt.tariffVersion}, the session froze ${session.tariff.tariffId} v${session.tariff.version}`);
  } else if (session.holdAmount !== receipt.holdAmount) {
    checks.fail('session', `the receipt names a hold of ${receipt.holdAmount}, the session placed ${session.holdAmount}`);
  } else {
    checks.pass('session', `tariff ${session.tariff.tariffId} v${session.tariff.version} and hold ${session.holdAmount} frozen at the open`);
  }

  if (receipt.verification !== 'verified' || session.meter === undefined) {
    checks.fail('meter-signatures', 'the session was billed from unsigned meter data (the Authority\'s permission, ADR 0013): its energy rests on the operator\'s word');
    return withKey(checkPrice(session, receipt, { startMs: receipt.startTimeMs, endMs: receipt.endTimeMs, energyWh: receipt.energyWh, ...parking(receipt) }, checks));
  }
  const meter = dependency<Meter>(inputs, compositeKey('cl.meter', session.meter.meterSerial), 'meter-key', checks, AUTHORITY_MSP);
  const evidence = checkMeter(session.meter, meter, settlement.timestampMs, inputs.ocmfRecords, receipt, checks);
  if (evidence === undefined) return withKey(undefined);
  return withKey(checkPrice(session, receipt, { startMs: evidence.startTimeMs, endMs: evidence.endTimeMs, energyWh: evidence.energyWh, ...parking(receipt) }, checks));
}

/** The verdict of a proof whose checks have run: the receipt's facts with who endorsed it, where it is, and what was trusted. */
export function verdictOf(ledger: Verdict['ledger'], sessionId: string, checks: CheckList, settlement: CommittedTransaction, outcome: ReceiptOutcome, anchors: readonly Membership[]): Verdict {
  return {
    verified: checks.ok,
    ledger,
    sessionId,
    checks: checks.results(),
    ...(outcome === undefined
      ? {}
      : {
          receipt: {
            ...outcome,
            endorsedBy: [...new Set(settlement.endorsers.map((endorser) => endorser.mspId))],
            submittedBy: settlement.creator.mspId,
            transactionId: settlement.transactionId,
            blockNumber: settlement.blockNumber,
            committedAt: new Date(settlement.timestampMs).toISOString(),
            trustAnchors: Object.fromEntries(anchors.map((membership) => [membership.mspId, membership.roots.map(fingerprint)])),
          },
        }),
  };
}

function facts(receipt: Receipt, recomputedPrice: number | undefined): ReceiptOutcome {
  return {
    sessionId: receipt.sessionId,
    stationId: receipt.stationId,
    evseId: receipt.evseId,
    driverAccountId: receipt.driverAccountId,
    payeeAccountId: receipt.payeeAccountId,
    currency: receipt.currency,
    energyWh: receipt.energyWh,
    startTime: new Date(receipt.startTimeMs).toISOString(),
    endTime: new Date(receipt.endTimeMs).toISOString(),
    tariffId: receipt.tariffId,
    tariffVersion: receipt.tariffVersion,
    charged: receipt.charged,
    ...(recomputedPrice === undefined ? {} : { recomputedPrice }),
    holdAmount: receipt.holdAmount,
    ...(receipt.meterSerial === undefined ? {} : { meterSerial: receipt.meterSerial }),
    ...(receipt.meterKeyId === undefined ? {} : { meterKeyId: receipt.meterKeyId }),
  };
}

/**
 * The chaincode's policy, and Wallets among the endorsers: it moves a driver's money. The policy is Wallets and
 * the Authority (ADR 0039), the same however many operators join; a channel from before it had a majority of
 * its organizations.
 */
function checkEndorsementPolicy(settlement: CommittedTransaction, organizations: readonly string[], checks: CheckList): void {
  const endorsers = [...new Set(settlement.endorsers.map((endorser) => endorser.mspId))].filter((mspId) => organizations.includes(mspId));
  const needed = Math.floor(organizations.length / 2) + 1;
  const fixedSet = endorsers.includes(WALLETS_MSP) && endorsers.includes('AuthorityMSP');
  if (endorsers.length < needed && !fixedSet) checks.fail('endorsement-policy', `endorsed by ${endorsers.join(', ') || 'nobody'}: ${endorsers.length} of ${organizations.length} organizations, a majority needs ${needed}`);
  else if (!endorsers.includes(WALLETS_MSP)) checks.fail('endorsement-policy', `endorsed by ${endorsers.join(', ')}, without ${WALLETS_MSP}: no driver's money moves without it`);
  else checks.pass('endorsement-policy', `endorsed by ${endorsers.join(', ')} (${endorsers.length} of ${organizations.length})`);
}

/** The debit of the driver and the credit of the payee the settlement wrote, both equal to the charge. */
function checkEntries(settlement: CommittedTransaction, receipt: Receipt, checks: CheckList): void {
  const entries = [...settlement.writes.entries()].flatMap(([key, value]) => (key.startsWith(compositeKey('cl.entry')) ? (readJson<LedgerEntry>(value) ?? []) : [])).filter((entry) => entry.ref === receipt.sessionId);
  const sum = (accountId: string): number => entries.filter((entry) => entry.accountId === accountId).reduce((total, entry) => total + entry.amount, 0);
  const debited = -sum(receipt.driverAccountId);
  const credited = sum(receipt.payeeAccountId);
  if (debited !== receipt.charged || credited !== receipt.charged) {
    checks.fail('receipt', `the receipt states ${money(receipt.charged, receipt.currency)}, the transaction debited ${money(debited, receipt.currency)} from ${receipt.driverAccountId} and credited ${money(credited, receipt.currency)} to ${receipt.payeeAccountId}`);
  } else {
    checks.pass('receipt', `receipt of session ${receipt.sessionId}; ${money(receipt.charged, receipt.currency)} debited from ${receipt.driverAccountId}, the same credited to ${receipt.payeeAccountId}`);
  }
}

/**
 * The record a key held when the settlement read it: the settlement's read version names the transaction
 * that wrote it, whose write set must hold the key (and, for meter keys, whose submitter is the Authority).
 */
function dependency<T>(inputs: ReceiptInputs, key: string, check: 'session' | 'meter-key', checks: CheckList, submitter?: string): T | undefined {
  const version = inputs.settlement.reads.get(key);
  if (version === undefined || version === null) {
    checks.fail(check, `the settlement did not read ${describeKey(key)}`);
    return undefined;
  }
  const writer = inputs.writerAt(version);
  if (writer === undefined) {
    checks.fail(check, `the proof lacks transaction ${version.tx} of block ${version.block}, which wrote the ${describeKey(key)} the settlement read`);
    return undefined;
  }
  if (writer.validation !== 'VALID') {
    checks.fail(check, `transaction ${writer.transactionId}, which wrote ${describeKey(key)}, is ${writer.validation}`);
    return undefined;
  }
  if (submitter !== undefined && writer.creator.mspId !== submitter) {
    checks.fail(check, `${describeKey(key)} was written by ${writer.creator.mspId}, not ${submitter}`);
    return undefined;
  }
  const value = readJson<T>(writer.writes.get(key));
  if (value === undefined) checks.fail(check, `transaction ${writer.transactionId} (block ${version.block}) did not write ${describeKey(key)}`);
  return value;
}

/**
 * The records verify against the key the session froze, that key is the one the Authority's meter record
 * (as the settlement read it) registered and had not revoked, and the records are the ones whose hashes
 * the ledger kept. A failure says which key, if any, did sign the records.
 */
function checkMeter(frozen: NonNullable<SessionRecord['meter']>, meter: Meter | undefined, settledAtMs: number, records: readonly string[], receipt: Receipt, checks: CheckList): MeterEvidence | undefined {
  if (meter !== undefined) {
    const key = meter.keys.find((candidate) => candidate.keyId === frozen.keyId);
    if (key === undefined || key.publicKey !== frozen.publicKey) checks.fail('meter-key', `the Authority registered no key ${frozen.keyId} with this public key for meter ${meter.meterSerial}`);
    else if (key.registeredAtMs > settledAtMs) checks.fail('meter-key', `key ${key.keyId} was registered at ${iso(key.registeredAtMs)}, after the settlement`);
    else if (key.status === 'revoked' && (key.revokedAtMs ?? 0) <= settledAtMs) checks.fail('meter-key', `key ${key.keyId} of meter ${meter.meterSerial} was revoked by the Authority at ${iso(key.revokedAtMs ?? 0)}, before the settlement`);
    else checks.pass('meter-key', `key ${key.keyId} of meter ${meter.meterSerial}, ${key.status} when the session settled; the Authority's record of the meter then: ${history(meter)}`);
  }
  if (records.length === 0) {
    checks.fail('meter-signatures', 'the proof carries no signed meter records');
    return undefined;
  }
  let evidence: MeterEvidence;
  try {
    evidence = verifyTransactionEvidence(records, frozen.publicKey);
  } catch (error) {
    if (!(error instanceof OcmfError)) throw error;
    // Signatures are checked first, so any other failure (a pagination gap, a register going back) is of records
    // the session's key did sign: only a signature failure asks which key signed them.
    const signer = error.code === 'BAD_SIGNATURE' ? `; ${whoSigned(records, meter, frozen.keyId)}` : '';
    checks.fail('meter-signatures', `${error.code}${error.recordIndex === undefined ? '' : ` in record ${error.recordIndex}`}: ${error.message}${signer}`);
    return undefined;
  }
  const expected = receipt.evidenceHashes;
  if (evidence.meterSerial !== frozen.meterSerial) {
    checks.fail('meter-signatures', `the records are from meter ${evidence.meterSerial}, the session's is ${frozen.meterSerial}`);
  } else if (expected.length !== evidence.hashes.length || expected.some((hash, index) => hash !== evidence.hashes[index])) {
    checks.fail('meter-signatures', 'the records are validly signed but are not the ones the ledger settled (their hashes differ from the receipt\'s)');
  } else if (evidence.energyWh !== receipt.energyWh && receipt.energyWh > evidence.energyWh) {
    checks.fail('meter-signatures', `the receipt bills ${receipt.energyWh} Wh, the meter signed ${evidence.energyWh} Wh`);
  } else {
    checks.pass('meter-signatures', `${records.length} record(s) of meter ${evidence.meterSerial} signed with key ${frozen.keyId}: ${evidence.energyWh} Wh from ${evidence.startTime} to ${evidence.endTime}`);
  }
  return evidence;
}

/**
 * Which other registered key, if any, signed every record: the reason a forged record gives itself away. Only
 * signatures are checked here; what else is wrong with the records is the caller's failure to tell.
 */
function whoSigned(records: readonly string[], meter: Meter | undefined, frozenKeyId: string): string {
  for (const key of meter?.keys ?? []) {
    if (key.keyId === frozenKeyId) continue;
    if (!records.every((record) => verifyOcmfSignature(record, key.publicKey) === 'valid')) continue;
    return key.status === 'revoked'
      ? `the records were signed with key ${key.keyId}, which the Authority revoked at ${iso(key.revokedAtMs ?? 0)}`
      : `the records were signed with key ${key.keyId} (${key.status}), not the session's key ${frozenKeyId}`;
  }
  return `the records were not signed by any key the Authority registered for meter ${meter?.meterSerial ?? '(unknown)'}`;
}

/**
 * The end of charging the settlement priced parking from: the charger's word as the CSMS passed it on, which no
 * signed reading vouches for; the receipt names it, and the price is recomputed with it.
 */
function parking(receipt: Receipt): { chargingEndMs?: number } {
  return receipt.chargingEndMs === undefined ? {} : { chargingEndMs: receipt.chargingEndMs };
}

function checkPrice(session: SessionRecord, receipt: Receipt, measurement: { startMs: number; endMs: number; energyWh: number; chargingEndMs?: number }, checks: CheckList): number | undefined {
  let total: number;
  try {
    total = priceMeasurement(session.tariff.tariff, measurement).total;
  } catch (error) {
    if (!(error instanceof PricingError)) throw error;
    checks.fail('price', `the frozen tariff cannot price the signed energy: ${error.code} at ${error.path}`);
    return undefined;
  }
  const due = Math.min(total, session.holdAmount);
  if (receipt.charged !== due) {
    checks.fail('price', `charged ${money(receipt.charged, receipt.currency)}, but ${measurement.energyWh} Wh under ${session.tariff.tariffId} v${session.tariff.version} cost ${money(total, receipt.currency)}${total > session.holdAmount ? `, capped at the hold ${money(session.holdAmount, receipt.currency)}` : ''}: ${money(due, receipt.currency)} was due`);
  } else if (receipt.priced !== total) {
    checks.fail('price', `the receipt states a price of ${money(receipt.priced, receipt.currency)}, recomputed ${money(total, receipt.currency)}`);
  } else {
    checks.pass('price', `${measurement.energyWh} Wh under ${session.tariff.tariffId} v${session.tariff.version} cost ${money(total, receipt.currency)}${total > session.holdAmount ? `, capped at the hold ${money(session.holdAmount, receipt.currency)}` : ''}; charged ${money(receipt.charged, receipt.currency)}`);
  }
  return total;
}

function readJson<T>(value: Buffer | null | undefined): T | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return JSON.parse(value.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Each key the Authority registered for the meter, with when it was registered and, if so, revoked. */
function history(meter: Meter): string {
  return meter.keys.map((key) => `${key.keyId} registered ${iso(key.registeredAtMs)}${key.revokedAtMs === undefined ? '' : `, revoked ${iso(key.revokedAtMs)}`} (${key.status})`).join('; ');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

