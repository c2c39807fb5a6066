import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '@chargeledger/config';
import { bridgeLogger, runBridgeProcess } from '@chargeledger/ledger-bridge';
import { startEmbeddedGateway } from './gateway-server';
import { EMBEDDED_LEDGER_DESCRIPTION, openEmbeddedLedger } from './ledger';

/**
 * The ledger bridge on the embedded ledger: one process holds the ledger, settles the CSMS's events on it
 * with the operator's identity, and serves the loopback gateway the other local programs use.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = bridgeLogger(config.logLevel);
  log.info(`${EMBEDDED_LEDGER_DESCRIPTION}: ${config.embedded.dataDir}`);
  const ledger = await openEmbeddedLedger({
    dataDir: config.embedded.dataDir,
    client: { mspId: 'OperatorsMSP', attributes: { 'chargeledger.operatorId': config.fabric.operatorId } },
    clock: { now: () => Date.now() },
  });
  const gateway = await startEmbeddedGateway({ ledger, host: config.embedded.host, port: config.embedded.port, key: await gatewayKey(config.embedded.keyFile) });
  log.info({ url: gateway.url, height: ledger.height() }, 'embedded ledger gateway listening');
  await runBridgeProcess({
    ledgerKind: 'embedded',
    ledger,
    events: { events: async (checkpoint) => ledger.events(checkpoint.getBlockNumber() ?? BigInt(ledger.height()), checkpoint.getTransactionId()) },
    description: EMBEDDED_LEDGER_DESCRIPTION,
    log,
    closeLedger: async () => {
      await new Promise<void>((resolve) => gateway.server.close(() => resolve()));
      await ledger.close();
    },
  });
}

/** Made once (mode 600) and kept: the demo and the participants' services read it from the same file. */
async function gatewayKey(file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readFile(file, 'utf8')).trim();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
