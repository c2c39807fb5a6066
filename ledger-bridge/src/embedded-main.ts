import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MspId } from '@chargeledger/chaincode/api';
import { loadConfig, protectDataDir } from '@chargeledger/config';
import { DEFAULT_OPERATORS, EMBEDDED_LEDGER_DESCRIPTION, openEmbeddedLedger, startEmbeddedGateway } from '@chargeledger/embedded-ledger';
import { bridgeLogger, runBridgeProcess } from './process';

/**
 * The ledger bridge on the embedded ledger: one process holds the ledger, settles the CSMS's events on it
 * with the operator's identity, and serves the loopback gateway the other local programs use.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = bridgeLogger(config.logLevel);
  // The ledger holds every organization's private keys, drivers' names and e-mails: 700/600 (umask 077) from its creation.
  const repaired = protectDataDir(config.dataDir);
  if (repaired.length > 0) log.warn({ paths: repaired.length, dataDir: config.dataDir }, 'made files of the data folder readable by their owner only');
  log.info(`${EMBEDDED_LEDGER_DESCRIPTION}: ${config.embedded.dataDir}`);
  const ledger = await openEmbeddedLedger({
    dataDir: config.embedded.dataDir,
    client: { mspId: 'OperatorsMSP', attributes: { 'chargeledger.operatorId': config.fabric.operatorId } },
    clock: { now: () => Date.now() },
    // The founding organization's operator is the one this deployment configures; the others are the defaults.
    operators: [{ operatorId: config.fabric.operatorId, mspId: 'OperatorsMSP' }, ...DEFAULT_OPERATORS.filter((operator) => operator.mspId !== 'OperatorsMSP')],
  });
  const keys: Partial<Record<MspId, string>> = {};
  for (const [organization, file] of Object.entries(config.embedded.keyFiles)) keys[`${organization}MSP` as MspId] = await gatewayKey(file);
  const gateway = await startEmbeddedGateway({ ledger, host: config.embedded.host, port: config.embedded.port, keys });
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

/** Made once (mode 600) and kept: the organization's participants' service reads it from the same file. */
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
