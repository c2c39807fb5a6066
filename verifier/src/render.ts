import { minorUnitDigits } from '@chargeledger/chaincode/pricing';
import { CHECKS, type Verdict } from './verdict';

/** Minor units as a decimal amount in the currency's own digits. */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${sign}${digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`} ${currency}`;
}

/** The verdict as a person reads it: what was charged and why, or exactly which check failed. */
export function renderVerdict(verdict: Verdict): string {
  const lines: string[] = [];
  const receipt = verdict.receipt;
  lines.push(verdict.verified ? `VERIFIED: the receipt of session ${verdict.sessionId} holds.` : `NOT VERIFIED: the receipt of session ${verdict.sessionId} fails ${verdict.checks.filter((c) => !c.ok).length} check(s).`);
  if (receipt !== undefined) {
    lines.push('');
    lines.push(`  charged        ${formatMoney(receipt.charged, receipt.currency)} to ${receipt.driverAccountId}, paid to ${receipt.payeeAccountId}`);
    lines.push(`  for            ${receipt.energyWh} Wh at ${receipt.stationId}, EVSE ${receipt.evseId}, ${receipt.startTime} to ${receipt.endTime}`);
    if (receipt.meterSerial !== undefined) lines.push(`  measured by    meter ${receipt.meterSerial}, key ${receipt.meterKeyId ?? '?'} (registered by the Authority)`);
    lines.push(`  under tariff   ${receipt.tariffId} version ${receipt.tariffVersion}${receipt.recomputedPrice === undefined ? '' : `: recomputed ${formatMoney(receipt.recomputedPrice, receipt.currency)}`}, hold ${formatMoney(receipt.holdAmount, receipt.currency)}`);
    lines.push(`  endorsed by    ${receipt.endorsedBy.join(', ')}; submitted by ${receipt.submittedBy}`);
    lines.push(`  in block       ${receipt.blockNumber}, transaction ${receipt.transactionId}, ${receipt.committedAt} (${verdict.ledger === 'fabric' ? 'Fabric network' : 'embedded ledger'})`);
  }
  lines.push('');
  for (const check of verdict.checks) lines.push(`  ${check.notApplicable === true ? 'n/a ' : check.ok ? 'ok  ' : 'FAIL'}  ${CHECKS[check.id]}: ${check.detail}`);
  if (receipt !== undefined) {
    lines.push('');
    lines.push(
      verdict.ledger === 'fabric'
        ? '  trusted: the CA certificates of the channel configuration (SHA-256; compare them with what each organization publishes), and nothing the operator runs:'
        : '  trusted: block 0 of the embedded ledger. One process holds every organization\'s keys there: this proves the chain and the price, not that four organizations agreed. Its CAs (SHA-256):',
    );
    for (const [mspId, fingerprints] of Object.entries(receipt.trustAnchors)) lines.push(`    ${mspId.padEnd(14)} ${fingerprints.join(', ')}`);
  }
  return lines.join('\n');
}
