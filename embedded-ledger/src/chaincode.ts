import './quiet-contract-logs';
import { createRequire } from 'node:module';
import { contracts } from '@chargeledger/chaincode';
import collections from '@chargeledger/chaincode/collections_config.json';
import type { ChaincodeResponse, ChaincodeStub } from 'fabric-shim-api';
import { JSONSerializer } from 'fabric-contract-api';
import type { CollectionConfig } from './blocks';

/** The contract dispatcher `fabric-chaincode-node server` runs: routes `Contract:function` to the contracts. */
export interface Dispatcher {
  Invoke(stub: ChaincodeStub): Promise<ChaincodeResponse>;
}

type DispatcherClass = new (contracts: unknown[], serializers: unknown, metadata: object, title: string, version: string) => Dispatcher;

export const CHANNEL = 'chargeledger';
export const CHAINCODE = 'chargeledger';

/** The collections the chaincode is deployed with on Fabric (chaincode/collections_config.json). */
export const COLLECTIONS: readonly CollectionConfig[] = collections;

/**
 * The same dispatcher class the chaincode server builds around the contracts. fabric-shim exports it only
 * from its internals, so it is loaded by path; its shape is pinned by the Dispatcher interface.
 */
export function newDispatcher(): Dispatcher {
  const load = createRequire(__filename);
  const ChaincodeFromContract = load('fabric-shim/lib/contract-spi/chaincodefromcontract') as DispatcherClass;
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  return new ChaincodeFromContract([...contracts], serializers, {}, CHAINCODE, '0.1.0');
}
