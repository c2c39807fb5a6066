import type { V201 } from '@chargeledger/ocpp-types';
import type { LocalAuthList } from '../core/local-auth-list';
import { DISPLAY_CURRENCY, TARIFF_FALLBACK_MESSAGE, TOTAL_COST_FALLBACK_MESSAGE } from '../core/price-display';
import type { SettingsStore } from '../core/settings';

type GetVariableDataType = V201.GetVariableDataType;
type GetVariableResultType = V201.GetVariableResultType;
type SetVariableDataType = V201.SetVariableDataType;
type SetVariableResultType = V201.SetVariableResultType;

interface Variable {
  readonly mutable: boolean;
  get(): string;
  /** Returns false for a value the variable cannot take. */
  set?(value: string): boolean;
}

export interface DeviceModelFacts {
  readonly settings: SettingsStore;
  readonly identity: string;
  readonly securityProfile: number;
  readonly localList: LocalAuthList;
}

type IntegerSetting = 'heartbeatIntervalS' | 'meterValueSampleIntervalS' | 'connectionTimeOutS';
type BooleanSetting = 'authorizeRemoteStart' | 'allowOfflineTxForUnknownId' | 'localAuthListEnabled' | 'signPeriodicReadings' | 'stopTransactionOnInvalidId';

function integer(settings: SettingsStore, key: IntegerSetting, min: number): Variable {
  return {
    mutable: true,
    get: () => String(settings.get(key)),
    set: (value) => {
      if (!/^\d+$/.test(value) || Number(value) < min) return false;
      settings.set(key, Number(value));
      return true;
    },
  };
}

function boolean(settings: SettingsStore, key: BooleanSetting): Variable {
  return {
    mutable: true,
    get: () => String(settings.get(key)),
    set: (value) => {
      if (value !== 'true' && value !== 'false') return false;
      settings.set(key, value === 'true');
      return true;
    },
  };
}

function fixed(value: string): Variable {
  return { mutable: false, get: () => value };
}

/** The 2.0.1 device model variables the simulator knows, keyed `Component/Variable`, onto the protocol-free settings. */
export function deviceModel(facts: DeviceModelFacts): ReadonlyMap<string, Variable> {
  const { settings } = facts;
  // A charger without a price display has no TariffCostCtrlr or DisplayMessageCtrlr: GetVariables says UnknownComponent.
  const display: [string, Variable][] = settings.get('priceDisplay')
    ? [
        ['TariffCostCtrlr/Enabled/Tariff', fixed('true')],
        ['TariffCostCtrlr/Enabled/Cost', fixed('true')],
        ['TariffCostCtrlr/Currency', fixed(DISPLAY_CURRENCY)],
        ['TariffCostCtrlr/TariffFallbackMessage', fixed(TARIFF_FALLBACK_MESSAGE)],
        ['TariffCostCtrlr/TotalCostFallbackMessage', fixed(TOTAL_COST_FALLBACK_MESSAGE)],
        ['DisplayMessageCtrlr/Enabled', fixed('true')],
      ]
    : [];
  return new Map<string, Variable>([
    ...display,
    ['OCPPCommCtrlr/HeartbeatInterval', integer(settings, 'heartbeatIntervalS', 0)],
    ['SampledDataCtrlr/TxUpdatedInterval', integer(settings, 'meterValueSampleIntervalS', 0)],
    ['SampledDataCtrlr/TxUpdatedMeasurands', fixed('Energy.Active.Import.Register,Power.Active.Import,SoC')],
    ['SampledDataCtrlr/TxStartedMeasurands', fixed('Energy.Active.Import.Register')],
    ['SampledDataCtrlr/TxEndedMeasurands', fixed('Energy.Active.Import.Register')],
    ['SampledDataCtrlr/SignReadings', boolean(settings, 'signPeriodicReadings')],
    ['TxCtrlr/EVConnectionTimeOut', integer(settings, 'connectionTimeOutS', 1)],
    ['TxCtrlr/StopTxOnInvalidId', boolean(settings, 'stopTransactionOnInvalidId')],
    ['TxCtrlr/StopTxOnEVSideDisconnect', fixed('true')],
    ['TxCtrlr/TxStartPoint', fixed('PowerPathClosed')],
    ['TxCtrlr/TxStopPoint', fixed('PowerPathClosed')],
    ['AuthCtrlr/AuthorizeRemoteStart', boolean(settings, 'authorizeRemoteStart')],
    ['AuthCtrlr/OfflineTxForUnknownIdEnabled', boolean(settings, 'allowOfflineTxForUnknownId')],
    ['LocalAuthListCtrlr/Enabled', boolean(settings, 'localAuthListEnabled')],
    ['LocalAuthListCtrlr/Entries', { mutable: false, get: () => String(facts.localList.size) }],
    ['LocalAuthListCtrlr/ItemsPerMessage', fixed(String(facts.localList.maxEntries))],
    ['SmartChargingCtrlr/Enabled', fixed('true')],
    ['SecurityCtrlr/SecurityProfile', fixed(String(facts.securityProfile))],
    ['SecurityCtrlr/Identity', fixed(facts.identity)],
  ]);
}

function lookup(model: ReadonlyMap<string, Variable>, component: string, variable: string, instance?: string): Variable | 'UnknownComponent' | 'UnknownVariable' {
  const found = model.get(instance === undefined ? `${component}/${variable}` : `${component}/${variable}/${instance}`);
  if (found !== undefined) return found;
  return [...model.keys()].some((key) => key.startsWith(`${component}/`)) ? 'UnknownVariable' : 'UnknownComponent';
}

export function getVariable(model: ReadonlyMap<string, Variable>, data: GetVariableDataType): GetVariableResultType {
  const echo = { component: data.component, variable: data.variable, ...(data.attributeType === undefined ? {} : { attributeType: data.attributeType }) };
  const found = lookup(model, data.component.name, data.variable.name, data.variable.instance);
  if (typeof found === 'string') return { ...echo, attributeStatus: found };
  if ((data.attributeType ?? 'Actual') !== 'Actual') return { ...echo, attributeStatus: 'NotSupportedAttributeType' };
  return { ...echo, attributeStatus: 'Accepted', attributeValue: found.get() };
}

export function setVariable(model: ReadonlyMap<string, Variable>, data: SetVariableDataType): SetVariableResultType {
  const echo = { component: data.component, variable: data.variable, ...(data.attributeType === undefined ? {} : { attributeType: data.attributeType }) };
  const found = lookup(model, data.component.name, data.variable.name, data.variable.instance);
  if (typeof found === 'string') return { ...echo, attributeStatus: found };
  if ((data.attributeType ?? 'Actual') !== 'Actual') return { ...echo, attributeStatus: 'NotSupportedAttributeType' };
  if (!found.mutable || found.set === undefined) return { ...echo, attributeStatus: 'Rejected' };
  return { ...echo, attributeStatus: found.set(data.attributeValue) ? 'Accepted' : 'Rejected' };
}
