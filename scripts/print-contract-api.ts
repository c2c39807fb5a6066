/**
 * Prints the chaincode's API from what `org.hyperledger.fabric:GetMetadata` answers (ADR 0028): one line per
 * transaction with its kind and callers, then its request's and its result's members.
 *
 *   bash network/scripts/network.sh query operators org.hyperledger.fabric:GetMetadata | npm run -s contract-api
 */
import { text } from 'node:stream/consumers';
import type { ContractMetadata } from '@chargeledger/chaincode/api';

type Schema = { readonly type?: string; readonly properties?: Record<string, Schema>; readonly required?: readonly string[]; readonly anyOf?: readonly Schema[]; readonly oneOf?: readonly Schema[]; readonly items?: Schema; readonly enum?: readonly unknown[] };

/** A schema in a line: an object's members (`?` when optional), an array's element, an enumeration's values. */
export function outline(schema: Schema, depth = 0): string {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined) return variants.map((variant) => outline(variant, depth)).join(' | ');
  if (schema.enum !== undefined) return schema.enum.map((value) => JSON.stringify(value)).join('|');
  if (schema.type === 'array' && schema.items !== undefined) return `${outline(schema.items, depth)}[]`;
  if (schema.type !== 'object') return schema.type ?? 'any';
  const required = new Set(schema.required ?? []);
  const members = Object.entries(schema.properties ?? {}).map(([name, member]) => `${name}${required.has(name) ? '' : '?'}${depth < 1 ? `: ${outline(member, depth + 1)}` : ''}`);
  return `{ ${members.join(', ')} }`;
}

export function printApi(metadata: ContractMetadata): string {
  const lines: string[] = [];
  for (const [contract, { transactions }] of Object.entries(metadata.contracts)) {
    if (contract === 'org.hyperledger.fabric') continue;
    for (const transaction of transactions) {
      const kind = transaction.tag.includes('EVALUATE') ? 'evaluate' : 'submit';
      const callers = transaction.callers.map((caller) => (caller.attribute === undefined ? caller.mspId : `${caller.mspId} (${caller.attribute})`)).join(', ');
      lines.push(`${contract}:${transaction.name}  ${kind}  by ${callers}`);
      lines.push(`  request ${outline(transaction.parameters[0].schema.contentSchema as Schema)}`);
      lines.push(`  result  ${outline(transaction.returns.contentSchema as Schema)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  void text(process.stdin).then((answer) => process.stdout.write(printApi(JSON.parse(answer) as ContractMetadata)));
}
