import type { Contract } from 'fabric-contract-api';
import { IDENTITY_ATTRIBUTES, TRANSACTIONS, type TransactionName } from '../api';
import GENERATED from '../api/schemas.generated.json';
import type { JsonSchema } from '../core/request-shape';
import { REQUESTS } from './requests';

/** A transaction as fabric-contract-api's decorators record it (`fabric:transactions`) and GetMetadata shows it. */
interface FabricTransaction {
  name: string;
  tag?: string[];
  parameters?: unknown[];
  returns?: JsonSchema;
  [extension: string]: unknown;
}

interface ReflectMetadata {
  getMetadata(key: string, target: object): unknown;
  defineMetadata(key: string, value: unknown, target: object): void;
}

const RESULTS: Readonly<Record<string, JsonSchema>> = GENERATED.results;

/**
 * Completes what `@Transaction()` recorded for each contract function with the API's own definitions, so
 * that `org.hyperledger.fabric:GetMetadata` describes every transaction: submit or evaluate, who may call
 * it, and its request and result as JSON Schemas (ADR 0028). The wire types stay what they are, a string
 * argument and a string result, each carrying JSON (`contentMediaType`, `contentSchema`), so the contract
 * dispatcher marshals exactly as before. Throws when a contract function and ContractApi disagree.
 */
export function describeContracts(contracts: readonly (new () => Contract)[]): void {
  const reflect = Reflect as unknown as ReflectMetadata;
  const described = new Set<string>();
  for (const contractClass of contracts) {
    const contractName = new contractClass().getName();
    const transactions = (reflect.getMetadata('fabric:transactions', contractClass.prototype) ?? []) as FabricTransaction[];
    for (const transaction of transactions) {
      const name = `${contractName}:${transaction.name}`;
      if (!(name in TRANSACTIONS)) throw new Error(`${name} is a contract function that ContractApi does not name`);
      Object.assign(transaction, describe(name as TransactionName));
      described.add(name);
    }
    reflect.defineMetadata('fabric:transactions', transactions, contractClass.prototype);
  }
  const undescribed = Object.keys(TRANSACTIONS).filter((name) => !described.has(name));
  if (undescribed.length > 0) throw new Error(`ContractApi names transactions no contract implements: ${undescribed.join(', ')}`);
}

function describe(name: TransactionName): Omit<FabricTransaction, 'name'> {
  const { kind, callers, roles = {} } = TRANSACTIONS[name];
  const result = RESULTS[name];
  if (result === undefined) throw new Error(`${name} has no result schema: run npx tsx chaincode/scripts/result-schemas.ts`);
  const attributes = roles as Readonly<Record<string, keyof typeof IDENTITY_ATTRIBUTES>>;
  return {
    tag: kind === 'submit' ? ['SUBMIT', 'submitTx'] : ['EVALUATE'],
    callers: callers.map((mspId) => (attributes[mspId] === undefined ? { mspId } : { mspId, attribute: IDENTITY_ATTRIBUTES[attributes[mspId]] })),
    parameters: [{ name: 'request', description: 'the request, one JSON object', schema: json(REQUESTS[name].schema) }],
    returns: json(result),
  };
}

/** A string that holds JSON of this schema: what a transaction's argument and result are on the wire. */
function json(schema: JsonSchema): JsonSchema {
  return { type: 'string', contentMediaType: 'application/json', contentSchema: schema };
}
