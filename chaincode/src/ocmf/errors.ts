/**
 * Every way a record or a session's evidence can be refused. Callers branch on `code` and the position
 * fields; the message is for people and may change.
 */
export type OcmfErrorCode =
  /** Not an OCMF record, or a field breaks the format (JSON, TM, PG, RV, ...). */
  | 'MALFORMED'
  /** The public key does not decode to an SPKI public key. */
  | 'BAD_KEY'
  /** A record's signature does not verify under the key. */
  | 'BAD_SIGNATURE'
  /** SA, SE or SM names something this verifier does not implement. */
  | 'UNSUPPORTED_ALGORITHM'
  /** The first reading of the session's register is not `TX=B`. */
  | 'NOT_BEGIN'
  /** The last reading of the session's register carries no end code. */
  | 'NO_END'
  /** A begin or end code appears between the first and the last reading, or a reading has no TX. */
  | 'OUT_OF_SEQUENCE'
  /** A reading is `TX=X`: energy or time are unusable from that reading on. */
  | 'TRANSACTION_EXCEPTION'
  /** PG is not the transaction context, or its counter is not consecutive across the records. */
  | 'PAGINATION_GAP'
  /** MS or GS differs between records. */
  | 'SERIAL_MISMATCH'
  /** A record holds no reading of the register (RI) the session began on. */
  | 'OBIS_MISMATCH'
  /** A reading of the session's register uses a different unit (RU). */
  | 'UNIT_MISMATCH'
  /** The session's register is not in kWh or Wh. */
  | 'UNSUPPORTED_UNIT'
  /** Two records that both assign a user (IS=true) name different IT/ID. */
  | 'IDENTIFICATION_MISMATCH'
  /** A reading's meter status ST is not `G`. */
  | 'STATUS_NOT_OK'
  /** A reading's error flags EF are not empty. */
  | 'ERROR_FLAGS'
  /** The register value is lower than in an earlier reading. */
  | 'REGISTER_DECREASED';

export interface OcmfErrorOptions {
  readonly code: OcmfErrorCode;
  readonly message: string;
  /** Position of the record in the evidence passed to verifyTransactionEvidence. */
  readonly recordIndex?: number;
  /** Position of the reading in that record's RD array. */
  readonly readingIndex?: number;
  /** The OCMF key concerned, e.g. `RV`, `PG`, `SA`. */
  readonly field?: string;
  readonly cause?: unknown;
}

export class OcmfError extends Error {
  override readonly name = 'OcmfError';
  readonly code: OcmfErrorCode;
  readonly recordIndex: number | undefined;
  readonly readingIndex: number | undefined;
  readonly field: string | undefined;

  constructor(options: Readonly<OcmfErrorOptions>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.recordIndex = options.recordIndex;
    this.readingIndex = options.readingIndex;
    this.field = options.field;
  }

  /** The same error, located at a record of the evidence. */
  inRecord(recordIndex: number): OcmfError {
    return new OcmfError({
      code: this.code,
      message: this.message,
      recordIndex,
      readingIndex: this.readingIndex,
      field: this.field,
      cause: this.cause,
    });
  }
}

export function malformed(message: string, field?: string, readingIndex?: number): OcmfError {
  return new OcmfError({ code: 'MALFORMED', message, field, readingIndex });
}
