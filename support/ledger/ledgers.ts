import { type ContractMetadata, GET_METADATA } from '@chargeledger/chaincode/api';
import { loadConfig } from '@chargeledger/config';
import { fabricBlockSource, gatherFabricProof, type ReceiptProof } from '@chargeledger/verifier';
import { type ChargingLedger, connectAs, type FabricIdentityConnection, readNetworkDescription } from '@chargeledger/ledger-client';
import { type CommittedEventSource, fabricEventSource } from '@chargeledger/ledger-bridge';

/**
 * The ledger a scenario runs on. The same scenarios run on the embedded ledger always and on the Fabric
 * network when its binaries are present (jest projects `ledger:embedded` and `ledger:fabric`); a result
 * that differs between the two is a bug in the embedded ledger.
 */
export type LedgerKind = 'fabric' | 'embedded';

/**
 * The parties of the channel, each acting with its own identity: the operator the bridge acts for (op-1), a
 * rival operator, a prosumer and a rival prosumer, the wallet provider and the metering authority; the second
 * operator (op-2) of its own organization, and an impostor: an identity op-1's CA issued naming op-2.
 */
export const PARTIES = ['operator', 'rivalOperator', 'prosumer', 'rivalProsumer', 'wallets', 'authority', 'secondOperator', 'impostor'] as const;
export type Party = (typeof PARTIES)[number];

export const PARTY_MSP: Readonly<Record<Party, string>> = {
  operator: 'OperatorsMSP',
  rivalOperator: 'OperatorsMSP',
  prosumer: 'ProsumersMSP',
  rivalProsumer: 'ProsumersMSP',
  wallets: 'WalletsMSP',
  authority: 'AuthorityMSP',
  secondOperator: 'Operators2MSP',
  impostor: 'OperatorsMSP',
};

export interface LedgerUnderTest {
  readonly kind: LedgerKind;
  /** The ledger as the bridge uses it: the operator's identity at the Operators' peer. */
  readonly bridge: ChargingLedger;
  party(party: Party): ChargingLedger;
  /** The committed chaincode events, as the bridge's settlement listener reads them. */
  readonly events: CommittedEventSource;
  /** The number of blocks committed so far. */
  height(): Promise<bigint>;
  /** A settlement's proof gathered as `npm run verify` gathers it: on Fabric from the Operators' and the Wallets' peers. */
  proof(sessionId: string, transactionId: string, ocmfRecords: readonly string[]): Promise<ReceiptProof>;
  /** What `org.hyperledger.fabric:GetMetadata` answers, evaluated with this party's identity at its organization's peer. */
  metadata(party: Party): Promise<ContractMetadata>;
  close(): Promise<void>;
}

export function ledgerKindUnderTest(): LedgerKind {
  const kind = process.env['LEDGER_UNDER_TEST'];
  if (kind !== 'fabric' && kind !== 'embedded') throw new Error(`LEDGER_UNDER_TEST must be fabric or embedded, not ${String(kind)}`);
  return kind;
}

/** The identities network/scripts/network.sh enrolls for these parties. */
const FABRIC_IDENTITIES: Readonly<Record<Party, readonly [organization: string, identity: string]>> = {
  operator: ['operators', 'bridge'],
  rivalOperator: ['operators', 'rival-operator'],
  prosumer: ['prosumers', 'prosumer'],
  rivalProsumer: ['prosumers', 'rival-prosumer'],
  wallets: ['wallets', 'wallet-service'],
  authority: ['authority', 'metering-authority'],
  secondOperator: ['operators2', 'bridge'],
  impostor: ['operators', 'impostor'],
};

/** Every party connects to its own organization's peer with its own certificate, as on a real deployment. */
export async function openFabric(): Promise<LedgerUnderTest> {
  const description = await readNetworkDescription(loadConfig().fabric.networkFile);
  const connections = new Map<Party, FabricIdentityConnection>();
  try {
    for (const party of PARTIES) {
      const [organization, identity] = FABRIC_IDENTITIES[party];
      // A network of one operator organization (FABRIC_OPERATOR_ORGS=1) has no second operator to act as.
      if (description.organizations[organization] === undefined) continue;
      connections.set(party, await connectAs(description, organization, identity));
    }
  } catch (error) {
    for (const connection of connections.values()) connection.close();
    throw error;
  }
  const party = (name: Party): ChargingLedger => {
    const connection = connections.get(name);
    if (connection === undefined) throw new Error(`no connection for ${name}`);
    return connection.ledger;
  };
  const operator = connections.get('operator') as FabricIdentityConnection;
  return {
    kind: 'fabric',
    bridge: party('operator'),
    party,
    events: fabricEventSource(operator.network, description.chaincode),
    height: async () => {
      const info = await operator.network.getContract('qscc').evaluateTransaction('GetChainInfo', description.channel);
      const { common } = await import('@hyperledger/fabric-protos');
      return BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight());
    },
    proof: async (sessionId, transactionId, ocmfRecords) => {
      const sources = [await fabricBlockSource(description, 'operators', 'operators', 'bridge'), await fabricBlockSource(description, 'wallets', 'operators', 'bridge')];
      try {
        return await gatherFabricProof({ channel: description.channel, chaincode: description.chaincode, sessionId, transactionId, sources, ocmfRecords });
      } finally {
        for (const source of sources) source.close();
      }
    },
    metadata: async (name) => {
      const [contract, fn] = GET_METADATA.split(':') as [string, string];
      const answer = await (connections.get(name) as FabricIdentityConnection).network.getContract(description.chaincode, contract).evaluateTransaction(fn);
      return JSON.parse(Buffer.from(answer).toString('utf8')) as ContractMetadata;
    },
    close: async () => {
      for (const connection of connections.values()) connection.close();
    },
  };
}

export async function openLedgerUnderTest(): Promise<LedgerUnderTest> {
  const kind = ledgerKindUnderTest();
  if (kind === 'fabric') return openFabric();
  const { openEmbedded } = await import('./embedded');
  return openEmbedded();
}
