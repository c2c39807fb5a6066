import { costText, DISPLAY_CURRENCY, type DisplayLine } from '../core/price-display';

/** The vendor id of the OCA's "California Pricing" messages for OCPP 1.6. */
export const COST_VENDOR_ID = 'org.openchargealliance.costmsg';

/**
 * A California Pricing DataTransfer as the display shows it: undefined for a message id this charger does not
 * know, 'invalid' for data that is not the message's JSON. The transaction id is the CSMS's (an integer), shown
 * as the charger's own id where it knows one.
 */
export function californiaPricingLine(messageId: string | undefined, data: string | undefined, localId: (csmsId: number) => string | undefined): Omit<DisplayLine, 'atMs'> | 'invalid' | undefined {
  if (messageId !== 'SetUserPrice' && messageId !== 'RunningCost' && messageId !== 'FinalCost') return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(data ?? '') as Record<string, unknown>;
  } catch {
    return 'invalid';
  }
  if (messageId === 'SetUserPrice') return typeof body['priceText'] === 'string' ? { kind: 'tariff', text: body['priceText'] } : 'invalid';
  const cost = body['cost'];
  const csmsId = body['transactionId'];
  if (typeof cost !== 'number' || typeof csmsId !== 'number') return 'invalid';
  const transactionId = localId(csmsId) ?? String(csmsId);
  const kind = messageId === 'RunningCost' ? 'running-cost' : 'final-cost';
  const text = typeof body['priceText'] === 'string' && kind === 'final-cost' ? body['priceText'] : costText(cost, DISPLAY_CURRENCY);
  return { kind, text, cost, currency: DISPLAY_CURRENCY, transactionId };
}
