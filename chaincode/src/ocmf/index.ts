/**
 * OCMF (Open Charge Metering Format) records: parsing, signature checks and a session's evidence.
 *
 * Parser choice: this module's own, not @road-labs/ocmf. That package reads payloads with JSON.parse (RV
 * becomes a binary float and loses its written decimals, a duplicated key silently wins), reads the clock
 * in its TM parser, accepts only hex signatures, checks no transaction integrity and pulls in date-fns and
 * four ASN.1 packages; a small strict JSON reader that keeps every number's signed text, with node:crypto
 * for ECDSA, gives exact and deterministic results with no dependency at all.
 *
 * Every function is pure: no clock, no randomness, no floating-point arithmetic on energy, so every
 * endorsing peer computes the same result from the same input.
 */
export { OcmfError, type OcmfErrorCode, type OcmfErrorOptions } from './errors';
export { evidenceHash, payloadHash, type OcmfSignature } from './envelope';
export {
  parseOcmf,
  type MeterStatus,
  type OcmfIdentification,
  type OcmfPagination,
  type OcmfReading,
  type OcmfRecord,
  type TransactionCode,
} from './record';
export { verifyOcmfSignature, type SignatureVerdict } from './signature';
export { verifyTransactionEvidence, type EndCode, type EnergyUnit, type MeterEvidence } from './evidence';
export type { OcmfTime, TimeStatus } from './time';
