/** JSON number grammar; RV literals are validated against it before they reach here. */
const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;
/** Bounds the power of ten so a hostile exponent cannot make BigInt allocate without limit. */
const MAX_EXPONENT = 64;

/**
 * Exactly `literal × 10^scale` as an integer, or undefined when that is not an integer (the literal has
 * more non-zero decimals than the scale keeps) or the literal is not a decimal.
 *
 * Exact by construction: the literal is the text the meter signed, its digits are moved into a BigInt
 * and only the position of the decimal point changes. No binary float is formed at any step, so values
 * such as 0.2597 or 62500.1271, which no double holds exactly, keep every written digit.
 */
export function scaleDecimal(literal: string, scale: number): bigint | undefined {
  const match = DECIMAL.exec(literal);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number.parseInt(exponentText, 10);
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  const digits = whole + fraction;
  // value = digits × 10^shift
  const shift = scale + exponent - fraction.length;
  let magnitude: bigint;
  if (shift >= 0) {
    magnitude = BigInt(digits) * 10n ** BigInt(shift);
  } else {
    const keep = Math.max(0, digits.length + shift);
    if (/[1-9]/.test(digits.slice(keep))) return undefined;
    magnitude = keep === 0 ? 0n : BigInt(digits.slice(0, keep));
  }
  return sign === '-' ? -magnitude : magnitude;
}
