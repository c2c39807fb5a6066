/** Every failure the simulators report is one of these classes; tests assert on `name` and `code`, not on message text. */

export type ChargePointErrorCode =
  | 'UnknownConnector'
  | 'ConnectorBusy'
  | 'NoVehicle'
  | 'NoTransaction'
  | 'Inoperative'
  | 'NotRegistered'
  | 'Closed';

export interface ConnectorAddress {
  readonly evseId: number;
  readonly connectorId: number;
}

/** A command the charge point cannot carry out in its current state. */
export class ChargePointError extends Error {
  override readonly name = 'ChargePointError';

  constructor(
    readonly code: ChargePointErrorCode,
    message: string,
    readonly connector?: ConnectorAddress,
  ) {
    super(message);
  }
}

/** A charger template file that is missing, unreadable or does not describe a charger. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';

  constructor(
    readonly source: string,
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid charger template ${source}: ${issues.join('; ')}`, options);
  }
}

/** A message that is not kept while offline was produced while the charge point had no CSMS connection. */
export class OfflineError extends Error {
  override readonly name = 'OfflineError';

  constructor(readonly action: string) {
    super(`${action} not sent: the charge point is offline`);
  }
}

/** The first WebSocket connection to the CSMS failed (later drops are retried with backoff instead). */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';

  constructor(
    readonly endpoint: string,
    readonly identity: string,
    options: { cause: unknown },
  ) {
    super(`cannot connect ${identity} to ${endpoint}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

export type MeterErrorCode = 'TransactionOpen' | 'NoTransaction' | 'InvalidKey' | 'InvalidState';

/** A meter asked to sign out of order (a second begin, an update or end without a begin), or a meter's kept state unreadable. */
export class MeterError extends Error {
  override readonly name = 'MeterError';

  constructor(
    readonly code: MeterErrorCode,
    readonly meterSerial: string,
    message: string,
  ) {
    super(message);
  }
}

/** Text that is not an `OCMF|payload|signature` record. */
export class OcmfFormatError extends Error {
  override readonly name = 'OcmfFormatError';

  constructor(readonly reason: string) {
    super(`not an OCMF record: ${reason}`);
  }
}

/** Options that contradict each other, e.g. a TLS security profile with a ws:// endpoint. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** A participants' service answered a call with an error status; `code` is the chaincode's refusal code when it gave one. */
export class ParticipantServiceError extends Error {
  override readonly name = 'ParticipantServiceError';

  constructor(
    readonly method: string,
    readonly route: string,
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(`${method} ${route}: ${status}${code === undefined ? '' : ` ${code}`} ${message}`);
  }
}
