/**
 * The simulators' public surface: charge points speaking OCPP 1.6J and 2.0.1, the OCMF-signing meter behind
 * them, charger templates, the load generator, and the rooftop-solar prosumer with its export meter.
 * Everything else is internal.
 */

export { createChargePoint, CHARGE_POINT_DEFAULTS, type CreateChargePointOptions } from './chargepoint/create';
export type { ChargePoint, ChargePointEvents, OcppVersion, StartResult, StopResult } from './chargepoint/api';
export type { RegistrationStatus, ResetKind } from './chargepoint/adapter';
export type {
  AuthorizationStatus,
  ConnectorRef,
  ConnectorStatus,
  ConnectorView,
  IdToken,
  IdTokenType,
  MeterSample,
  StopReason,
  Transaction,
} from './chargepoint/core/types';
export { DEFAULT_SETTINGS, type StationSettings } from './chargepoint/core/settings';
export type { ListedToken, LocalListEntry, LocalListSnapshot } from './chargepoint/core/local-auth-list';
export type { SignedMeterValue } from './chargepoint/signed-meter-value';
export { DISPLAY_CURRENCY, TARIFF_FALLBACK_MESSAGE, TOTAL_COST_FALLBACK_MESSAGE, type DisplayKind, type DisplayLine } from './chargepoint/core/price-display';
export type { OcppSecurity, ReconnectBackoff } from './ocpp/link';
export type { RejectedMessage } from './ocpp/outbox';

export { ManualClock, SystemClock, type Clock, type Timer } from './clock';

export type { EvModel } from './meter/ev';
export { createSmartMeter, type SmartMeter, type SmartMeterOptions, type EnergyTaker, type MeterLoad, type MeterReading, type SignedMeterReading } from './meter/smart-meter';
export { generateMeterKey, meterKeyFromPem, publicKeySpkiDer } from './meter/keys';
export { MeterStateFiles, type MeterState, type MeterStateStore } from './meter/meter-state';
export {
  formatKwh,
  formatOcmfTime,
  ocmfPayloadText,
  parseOcmf,
  signOcmf,
  verifyOcmf,
  OCMF_ENERGY_REGISTER,
  OCMF_EXPORT_REGISTER,
  OCMF_SIGNATURE_ALGORITHM,
  type OcmfGateway,
  type OcmfIdentification,
  type OcmfMeterIdentity,
  type OcmfPayload,
  type OcmfReading,
  type OcmfReadingReason,
  type OcmfRecordContent,
  type ParsedOcmf,
} from './meter/ocmf';

export { ledgerEvses, LEDGER_CONNECTOR_STANDARDS, type LedgerConnectorStandard, type LedgerEvse } from './template/station-layout';
export { listTemplates, loadTemplate, parseTemplate, type ChargerTemplate, type ConnectorTemplate, type ConnectorType, type EvseTemplate } from './template/template';

export { runLoad, type LoadOptions, type LoadReport } from './load/load-generator';
export type { LatencySummary } from './load/latency-recorder';
export { seededRandom, type Random } from './load/random';

export { clearSkyPowerW, solarNoonMs, type PvSystem } from './prosumer/solar';
export { householdLoadW, type HouseholdProfile } from './prosumer/household';
export { energyWh, productionCurve, type ProductionCurve, type ProductionCurveOptions, type SurplusSource } from './prosumer/production-curve';
export { createExportMeter, type ExportMeter, type ExportMeterOptions } from './prosumer/export-meter';
export type { DeliverySettlement, OfferDraft, OfferTrade, OfferWithTrades, PostedOffer, ProsumerPort } from './prosumer/port';
export { createRestProsumerPort, type RestProsumerPortOptions } from './prosumer/rest-port';
export { createProsumer, upcomingWindows, type Prosumer, type DeliveryWindow, type ProsumerAccount, type ProsumerOptions, type WindowOutcome } from './prosumer/prosumer';

export {
  ChargePointError,
  ConfigurationError,
  ConnectionError,
  MeterError,
  OcmfFormatError,
  OfflineError,
  ParticipantServiceError,
  TemplateError,
  type ChargePointErrorCode,
  type ConnectorAddress,
  type MeterErrorCode,
} from './errors';
