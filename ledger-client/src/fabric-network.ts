import { readFile } from 'node:fs/promises';
import type { Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { connectGateway, type GatewayConnection } from './gateway';
import { FabricLedger } from './ledger';

/** What the network tooling writes to `<data>/fabric/network.json` (network/scripts/network.sh). */
export interface NetworkDescription {
  readonly channel: string;
  readonly chaincode: string;
  readonly organizations: Readonly<Record<string, OrganizationDescription>>;
}

export interface OrganizationDescription {
  readonly mspId: string;
  readonly peerEndpoint: string;
  readonly hostAlias: string;
  readonly tlsCaFile: string;
  /** Enrolled identities by name: each a certificate and a keystore folder holding its one key. */
  readonly identities: Readonly<Record<string, { readonly certFile: string; readonly keyDir: string }>>;
}

export class NetworkDescriptionError extends Error {
  override readonly name = 'NetworkDescriptionError';
}

export async function readNetworkDescription(file: string): Promise<NetworkDescription> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NetworkDescriptionError(`no Fabric network description at ${file}: start the network first (bash network/scripts/network.sh up)`, { cause: error });
  }
  return JSON.parse(text) as NetworkDescription;
}

export interface FabricIdentityConnection {
  readonly ledger: FabricLedger;
  readonly network: Network;
  readonly mspId: string;
  close(): void;
}

/** Connects to an organization's own peer with one of its enrolled identities, as that organization's applications do. */
export async function connectAs(description: NetworkDescription, organization: string, identity: string, options: { readonly stageAttempts?: number } = {}): Promise<FabricIdentityConnection> {
  const org = description.organizations[organization];
  if (org === undefined) throw new NetworkDescriptionError(`the network has no organization ${organization}`);
  const enrolled = org.identities[identity];
  if (enrolled === undefined) throw new NetworkDescriptionError(`${organization} has enrolled no identity ${identity} (enrolled: ${Object.keys(org.identities).join(', ')})`);
  const connection: GatewayConnection = await connectGateway({ peerEndpoint: org.peerEndpoint, hostAlias: org.hostAlias, mspId: org.mspId, tlsCaFile: org.tlsCaFile, certFile: enrolled.certFile, keyDir: enrolled.keyDir });
  const network = connection.gateway.getNetwork(description.channel);
  return {
    ledger: new FabricLedger({ network, chaincode: description.chaincode, stageAttempts: options.stageAttempts ?? 5 }),
    network,
    mspId: org.mspId,
    close: () => connection.close(),
  };
}

/** The block a transaction was committed in, asked of the peer's query system chaincode (qscc). */
export async function blockNumberOf(network: Network, transactionId: string): Promise<number> {
  const bytes = await network.getContract('qscc').evaluateTransaction('GetBlockByTxID', network.getName(), transactionId);
  const header = common.Block.deserializeBinary(bytes).getHeader();
  if (header === undefined) throw new Error(`qscc returned a block without a header for ${transactionId}`);
  return header.getNumber();
}
