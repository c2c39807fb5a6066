import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MspId } from '@chargeledger/chaincode/api';
import { openEmbeddedLedger } from '@chargeledger/embedded-ledger';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { gatherEmbeddedProof } from '@chargeledger/verifier';
import { type LedgerUnderTest, type Party, PARTIES, PARTY_MSP } from './ledgers';

/** The attributes the Fabric network's CAs put in each party's certificate (network/scripts/network.sh). */
export const PARTY_ATTRIBUTES: Readonly<Record<Party, Readonly<Record<string, string>>>> = {
  operator: { 'chargeledger.operatorId': 'op-1' },
  rivalOperator: { 'chargeledger.operatorId': 'op-rival' },
  prosumer: { 'chargeledger.prosumerId': 'pro-1' },
  rivalProsumer: { 'chargeledger.prosumerId': 'pro-rival' },
  wallets: {},
  authority: {},
  secondOperator: { 'chargeledger.operatorId': 'op-2' },
  impostor: { 'chargeledger.operatorId': 'op-2' },
};

/** A fresh embedded ledger in a temporary folder per test file, on the wall clock like the Fabric network. */
export async function openEmbedded(): Promise<LedgerUnderTest> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-embedded-'));
  const embedded = await openEmbeddedLedger({ dataDir, client: { mspId: 'OperatorsMSP', attributes: PARTY_ATTRIBUTES.operator }, clock: { now: () => Date.now() } });
  const parties = new Map<Party, ChargingLedger>(PARTIES.map((party) => [party, embedded.asOrganization(PARTY_MSP[party] as MspId, PARTY_ATTRIBUTES[party])]));
  return {
    kind: 'embedded',
    bridge: embedded,
    party: (party) => parties.get(party) as ChargingLedger,
    events: { events: async (checkpoint) => embedded.events(checkpoint.getBlockNumber() ?? BigInt(embedded.height()), checkpoint.getTransactionId()) },
    height: async () => BigInt(embedded.height()),
    proof: (sessionId, transactionId, ocmfRecords) => gatherEmbeddedProof({ sessionId, transactionId, readBlock: (number) => embedded.getBlock(number), ocmfRecords }),
    // One process answers for every organization: the identity decides nothing GetMetadata says.
    metadata: () => embedded.metadata(),
    close: async () => {
      await embedded.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
