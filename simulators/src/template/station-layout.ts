import type { ChargerTemplate, ConnectorType } from './template';

/** How a charger's connectors are registered on the ledger: the OCPI connector standard of each simulated type. */
export const LEDGER_CONNECTOR_STANDARDS = {
  cType1: 'IEC_62196_T1',
  cType2: 'IEC_62196_T2',
  sType2: 'IEC_62196_T2',
  cCCS1: 'IEC_62196_T1_COMBO',
  cCCS2: 'IEC_62196_T2_COMBO',
  cG105: 'CHADEMO',
  cTesla: 'TESLA_S',
} as const satisfies Readonly<Record<ConnectorType, string>>;

export type LedgerConnectorStandard = (typeof LEDGER_CONNECTOR_STANDARDS)[ConnectorType];

export interface LedgerEvse {
  readonly evseId: string;
  readonly connectors: readonly { readonly connectorId: string; readonly type: LedgerConnectorStandard; readonly maxPowerW: number }[];
}

/**
 * A template's EVSEs as a station registers them on the ledger: ids are the decimal strings of the OCPP
 * numbers (from 1, as OCPP 2.0.1 numbers them), which is how the ledger bridge names them in its events.
 */
export function ledgerEvses(template: ChargerTemplate): LedgerEvse[] {
  return template.evses.map((evse, e) => ({
    evseId: String(e + 1),
    connectors: evse.connectors.map((connector, c) => ({ connectorId: String(c + 1), type: LEDGER_CONNECTOR_STANDARDS[connector.type], maxPowerW: connector.maxPowerW })),
  }));
}
