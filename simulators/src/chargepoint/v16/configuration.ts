import type { SettingsStore, StationSettings } from '../core/settings';

export type ChangeConfigurationStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';

interface ConfigurationKey {
  readonly readonly: boolean;
  get(): string;
  /** Returns false for a value the key cannot take. */
  set?(value: string): boolean;
}

export interface ConfigurationFacts {
  readonly settings: SettingsStore;
  readonly numberOfConnectors: number;
  readonly securityProfile: number;
  readonly localListMaxEntries: number;
}

function integerKey(settings: SettingsStore, key: keyof StationSettings & ('heartbeatIntervalS' | 'meterValueSampleIntervalS' | 'connectionTimeOutS'), min: number): ConfigurationKey {
  return {
    readonly: false,
    get: () => String(settings.get(key)),
    set: (value) => {
      if (!/^\d+$/.test(value) || Number(value) < min) return false;
      settings.set(key, Number(value));
      return true;
    },
  };
}

function booleanKey(settings: SettingsStore, key: 'authorizeRemoteStart' | 'allowOfflineTxForUnknownId' | 'localAuthListEnabled' | 'stopTransactionOnInvalidId'): ConfigurationKey {
  return {
    readonly: false,
    get: () => String(settings.get(key)),
    set: (value) => {
      if (value !== 'true' && value !== 'false') return false;
      settings.set(key, value === 'true');
      return true;
    },
  };
}

function fixed(value: string): ConfigurationKey {
  return { readonly: true, get: () => value };
}

/** The 1.6 configuration keys the simulator knows, onto the protocol-free settings. */
export function configurationKeys(facts: ConfigurationFacts): ReadonlyMap<string, ConfigurationKey> {
  const { settings } = facts;
  return new Map<string, ConfigurationKey>([
    ['HeartbeatInterval', integerKey(settings, 'heartbeatIntervalS', 0)],
    ['MeterValueSampleInterval', integerKey(settings, 'meterValueSampleIntervalS', 0)],
    ['ConnectionTimeOut', integerKey(settings, 'connectionTimeOutS', 1)],
    ['AuthorizeRemoteTxRequests', booleanKey(settings, 'authorizeRemoteStart')],
    ['AllowOfflineTxForUnknownId', booleanKey(settings, 'allowOfflineTxForUnknownId')],
    ['LocalAuthListEnabled', booleanKey(settings, 'localAuthListEnabled')],
    ['LocalAuthListMaxLength', fixed(String(facts.localListMaxEntries))],
    ['SendLocalListMaxLength', fixed(String(facts.localListMaxEntries))],
    ['StopTransactionOnInvalidId', booleanKey(settings, 'stopTransactionOnInvalidId')],
    ['StopTransactionOnEVSideDisconnect', fixed('true')],
    // The OCA's California Pricing for 1.6: a charger with a price display announces it here.
    ...(settings.get('priceDisplay') ? ([['CustomDisplayCostAndPrice', fixed('true')], ['Language', fixed('en')], ['NumberOfDecimalsForCostValues', fixed('2')]] as [string, ConfigurationKey][]) : []),
    ['NumberOfConnectors', fixed(String(facts.numberOfConnectors))],
    ['MeterValuesSampledData', fixed('Energy.Active.Import.Register,Power.Active.Import,SoC')],
    ['SupportedFeatureProfiles', fixed('Core,LocalAuthListManagement,SmartCharging,RemoteTrigger')],
    ['ChargeProfileMaxStackLevel', fixed('10')],
    ['ChargingScheduleAllowedChargingRateUnit', fixed('Current,Power')],
    ['ChargingScheduleMaxPeriods', fixed('24')],
    ['MaxChargingProfilesInstalled', fixed('16')],
    ['SecurityProfile', fixed(String(facts.securityProfile))],
    // Signed meter value keys recommended by the OCMF specification for 1.6.
    ['StopTransactionSignatureFormat', fixed('SR')],
    ['StopTransactionSignatureContexts', fixed('Transaction.Begin,Transaction.End')],
    [
      'MeterValuesSignatureContexts',
      {
        readonly: false,
        get: () => (settings.get('signPeriodicReadings') ? 'Transaction.Begin,Sample.Periodic' : 'Transaction.Begin'),
        set: (value) => {
          const contexts = value.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
          if (contexts.some((c) => !['Transaction.Begin', 'Sample.Periodic', 'Transaction.End'].includes(c))) return false;
          settings.set('signPeriodicReadings', contexts.includes('Sample.Periodic'));
          return true;
        },
      },
    ],
  ]);
}

export function changeConfiguration(keys: ReadonlyMap<string, ConfigurationKey>, key: string, value: string): ChangeConfigurationStatus {
  const entry = keys.get(key);
  if (entry === undefined) return 'NotSupported';
  if (entry.readonly || entry.set === undefined) return 'Rejected';
  return entry.set(value) ? 'Accepted' : 'Rejected';
}

export function getConfiguration(
  keys: ReadonlyMap<string, ConfigurationKey>,
  requested: readonly string[] | undefined,
): { configurationKey: { key: string; readonly: boolean; value: string }[]; unknownKey: string[] } {
  const names = requested === undefined || requested.length === 0 ? [...keys.keys()] : requested;
  const configurationKey = names.flatMap((key) => {
    const entry = keys.get(key);
    return entry === undefined ? [] : [{ key, readonly: entry.readonly, value: entry.get() }];
  });
  return { configurationKey, unknownKey: names.filter((key) => !keys.has(key)) };
}
