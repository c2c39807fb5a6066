/**
 * What a charger's display showed the driver about money, line by line, whatever the protocol: the tariff at
 * Authorize, the running cost, the final cost, a message the CSMS put up, and the charger's own fallback text
 * where the CSMS said nothing. Tests read it as a driver reads the screen.
 */
export type DisplayKind = 'tariff' | 'running-cost' | 'final-cost' | 'message' | 'fallback';

export interface DisplayLine {
  readonly kind: DisplayKind;
  readonly text: string;
  /** Running and final cost: the amount the CSMS sent, in major units of `currency`. */
  readonly cost?: number;
  readonly currency?: string;
  /** The CSMS's transaction id the line belongs to, where the message named one. */
  readonly transactionId?: string;
  /** The charger's clock when it was shown. */
  readonly atMs: number;
}

/** The currency this simulated display shows costs in (2.0.1 TariffCostCtrlr Currency). */
export const DISPLAY_CURRENCY = 'EUR';
export const TARIFF_FALLBACK_MESSAGE = 'Prices at this station: see the operator app';
export const TOTAL_COST_FALLBACK_MESSAGE = 'Your receipt will be in the operator app';

/** `3.25 EUR`: an amount as the display writes it. */
export function costText(cost: number, currency: string): string {
  return `${cost.toFixed(2)} ${currency}`;
}
