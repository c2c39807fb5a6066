import { readFile } from 'node:fs/promises';
import { loadConfig, protectDataDir } from '@chargeledger/config';
import { bridgeLogger, runBridgeProcess } from './process';
import { EmbeddedGatewayClient, gatewayEvents } from '@chargeledger/embedded-ledger';

/**
 * The ledger bridge of an operator whose organization is not the embedded ledger's own process (the second
 * operator, Operators2MSP): it settles its CSMS's events through the embedded ledger's loopback gateway with
 * its organization's key and its operator's identity (FABRIC_MSP_ID, FABRIC_OPERATOR_ID), as its bridge on
 * Fabric signs with its own organization's certificate. The ledger process (main.ts) must be running.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = bridgeLogger(config.logLevel);
  const repaired = protectDataDir(config.dataDir);
  if (repaired.length > 0) log.warn({ paths: repaired.length, dataDir: config.dataDir }, 'made files of the data folder readable by their owner only');
  const mspId = config.fabric.gateway.mspId;
  const organization = mspId.slice(0, -'MSP'.length) as keyof typeof config.embedded.keyFiles;
  const url = `http://${config.embedded.host}:${config.embedded.port}`;
  const client = new EmbeddedGatewayClient({ url, key: (await readFile(config.embedded.keyFiles[organization], 'utf8')).trim(), identity: { mspId, attributes: { 'chargeledger.operatorId': config.fabric.operatorId } } });
  const description = `embedded ledger through its gateway ${url} as ${mspId} (operator ${config.fabric.operatorId})`;
  await runBridgeProcess({
    ledgerKind: 'embedded',
    ledger: client,
    events: { events: gatewayEvents({ client, pollMs: 250, onUnreachable: (error) => log.warn({ err: error }, 'the embedded ledger gateway is unreachable; asking again') }) },
    description,
    log,
    closeLedger: () => undefined,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
