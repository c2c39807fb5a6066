/**
 * The session's signed meter records in the XML the S.A.F.E. Transparenzsoftware reads (the format of its
 * own test files): `<values>` holding one `<value>` per record, all with the session's dataset number, the first in context Transaction.Begin and
 * the last in Transaction.End, each with the record as plain OCMF (`format="OCMF"`, which the tool's
 * command-line mode needs named) and the meter's public key as hex SPKI: the key the Authority registered,
 * not the one the charger reported.
 */
export function transparencyXml(options: { readonly sessionId: string; readonly records: readonly string[]; readonly publicKey: string }): string {
  const key = spkiHex(options.publicKey);
  const dataset = datasetNumber(options.sessionId);
  const values = options.records.map((record, index) => {
    const context = index === 0 ? 'Transaction.Begin' : index === options.records.length - 1 ? 'Transaction.End' : 'Transaction.Update';
    return [
      `  <value transactionId="${dataset}" context="${context}">`,
      `    <signedData format="OCMF" encoding="plain">${escape(record)}</signedData>`,
      `    <publicKey encoding="hex">${key}</publicKey>`,
      '  </value>',
    ].join('\n');
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<values>', ...values, '</values>', ''].join('\n');
}

/** A 2.0.1 session id ends with the charger's transaction id, a UUID where chargers (and the simulators) make one. */
const ENDS_WITH_UUID = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tool reads `transactionId` as an integer (xs:integer, "the number of the dataset") that pairs a
 * session's records: the number that ends the session id (`<charger>-<n>`: the OCPP 1.6 transaction id, or a
 * 2.0.1 transaction id of digits alone), else 1. A session id ending with a UUID is 1, even when the UUID's last
 * group happens to be all digits.
 */
export function datasetNumber(sessionId: string): string {
  if (ENDS_WITH_UUID.test(sessionId)) return '1';
  const suffix = /-([0-9]{1,18})$/.exec(sessionId)?.[1];
  return suffix === undefined ? '1' : String(BigInt(suffix));
}

/** SPKI DER (hex or base64, as registered) as upper-case hex bytes separated by spaces, as the tool's files write it. */
export function spkiHex(publicKey: string): string {
  const compact = publicKey.replace(/\s+/g, '');
  const bytes = /^([0-9a-fA-F]{2})+$/.test(compact) ? Buffer.from(compact, 'hex') : Buffer.from(compact, 'base64');
  return [...bytes].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** XML text and attribute values: OCMF's JSON keeps its quotes, as in the tool's own files. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
