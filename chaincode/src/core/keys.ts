/**
 * Object types of the composite keys in public state, and the attributes that follow each. Attribute order
 * is the sort order of partial-key range queries, so the first attributes are the ones queries fix.
 */
export const KEY = {
  /** [eventId] → EventRecord: the first result of each event id. */
  event: 'cl.event',
  /** [accountId] → Account. Carries the key-level endorsement policy of the owner's organization (ADR 0014). */
  account: 'cl.account',
  /** [accountId, txId, n] → LedgerEntry. Balance = sum over [accountId]; entries are only ever added. */
  entry: 'cl.entry',
  /** [accountId, payoutId] → Payout: requested by the owner (the debit), then paid or returned by Wallets. */
  payout: 'cl.payout',
  /** [reference] → Payment: every payment credited, once (Wallet:topUp). */
  payment: 'cl.payment',
  /** [accountId, destinationId] → PayoutDestination: a bank account the driver confirmed. */
  payoutDestination: 'cl.payoutdest',
  /** [accountId, holdId] → Hold. Removed when released or settled. */
  hold: 'cl.hold',
  /** [accountId, tokenRef] → IdTokenLink (salted hash only). */
  tokenLink: 'cl.tokenlink',
  /** [operatorId] → OperatorOrganization: the MSP the operator acts through (ADR 0038). Written once. */
  operator: 'cl.operator',
  /** [mspId] → operatorId: the one operator an operator organization acts for. Written once. */
  operatorMsp: 'cl.operatormsp',
  /** [stationId] → Station. Carries its operator organization's key-level policy (ADR 0038). */
  station: 'cl.station',
  /** [stationId] → UnsignedMeterDataPermission: the Authority's, never the operator's (ADR 0013). */
  unsignedPermission: 'cl.unsigned',
  /** [latCell, lonCell, stationId] → stationId: grid index for proximity queries. */
  stationCell: 'cl.stationcell',
  /** [evId] → Ev. */
  ev: 'cl.ev',
  /** [meterSerial] → Meter. */
  meter: 'cl.meter',
  /** [stationId, evseId] or [prosumerId, exportPointId] → meterSerial. */
  evseMeter: 'cl.evsemeter',
  exportMeter: 'cl.exportmeter',
  /** [tariffId, version zero-padded to 10 digits] → TariffRecord; the last key is the latest version. */
  tariff: 'cl.tariff',
  /** [sessionId] → Session. Carries its station's operator organization's key-level policy (ADR 0038). */
  session: 'cl.session',
  /** [sessionId, seq zero-padded] → Progress. */
  progress: 'cl.progress',
  /** [sessionId] → Receipt. */
  receipt: 'cl.receipt',
  /** [sha256 of an OCMF record's signed payload] → the transaction id that settled it: a reading settles at most once, however its signature is re-encoded. */
  evidence: 'cl.evidence',
  /**
   * [meterSerial, keyId] → MeterMark: the last pagination counter and register that key's records settled;
   * the next settlement's records must lie past both (ADR 0040).
   */
  meterMark: 'cl.metermark',
  /** [offerId] → Offer. */
  offer: 'cl.offer',
  /** [offerId, seq zero-padded] → Trade. */
  trade: 'cl.trade',
} as const;

/** Keys in the Wallets private data collection. */
export const PRIVATE_KEY = {
  /** [] → the token lookup pepper (raw bytes). */
  pepper: 'cl.pepper',
  /** [hmac(pepper, idToken)] → PrivateTokenRecord. */
  idToken: 'cl.idtoken',
  /** [accountId] → DriverProfile. */
  driver: 'cl.driver',
} as const;

export type KeyType = (typeof KEY)[keyof typeof KEY];
export type PrivateKeyType = (typeof PRIVATE_KEY)[keyof typeof PRIVATE_KEY];

/** Fixed width so that lexical key order equals numeric order. */
export function padSeq(n: number): string {
  return n.toString().padStart(10, '0');
}
