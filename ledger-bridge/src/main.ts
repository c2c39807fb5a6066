import { loadConfig, protectDataDir } from '@chargeledger/config';
import { connectGateway, FabricLedger } from '@chargeledger/ledger-client';
import { bridgeLogger, runBridgeProcess } from './process';
import { fabricEventSource } from './settlement-listener';

/** The ledger bridge on the Fabric network: the Operators' gateway peer, with the bridge's own identity. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = bridgeLogger(config.logLevel);
  const repaired = protectDataDir(config.dataDir);
  if (repaired.length > 0) log.warn({ paths: repaired.length, dataDir: config.dataDir }, 'made files of the data folder readable by their owner only');
  const connection = await connectGateway(config.fabric.gateway);
  const network = connection.gateway.getNetwork(config.fabric.channel);
  await runBridgeProcess({
    ledgerKind: 'fabric',
    ledger: new FabricLedger({ network, chaincode: config.fabric.chaincode, stageAttempts: 5 }),
    events: fabricEventSource(network, config.fabric.chaincode),
    description: `Fabric network (channel ${config.fabric.channel}, peer ${config.fabric.gateway.peerEndpoint} as ${config.fabric.gateway.mspId})`,
    log,
    closeLedger: () => connection.close(),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
