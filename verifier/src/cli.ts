/**
 * npm run verify -- <session id> [--json] [--out proof.json] [--xml receipt.xml] [--records records.json]
 *                                 [--ledger fabric|embedded] [--peers operators,wallets] [--identity wallets/wallet-service]
 * npm run verify -- --proof proof.json [--json] [--xml receipt.xml]
 * Either form takes --anchors anchors.json: the CA fingerprints you trust by MSP id ({"WalletsMSP": ["<sha-256>"], …}).
 *
 * Gathers the proof of a session's settlement from two organizations' peers (or the embedded ledger) and the
 * meter's records from the CSMS, checks it, and prints the verdict. Exit code 0: verified; 1: a check failed,
 * or the ledger refused to settle the session ("refused by the ledger: CODE"); 2: the proof could not be
 * gathered or read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Receipt, RecordedRefusal } from '@chargeledger/chaincode/api';
import { loadConfig } from '@chargeledger/config';
import { EmbeddedGatewayClient } from '@chargeledger/embedded-ledger';
import { type ChargingLedger, connectAs, readNetworkDescription } from '@chargeledger/ledger-client';
import { gatherEmbeddedProof } from './embedded/gather';
import { ledgerSettlementOf, renderRefusal } from './ledger-settlement';
import { fabricBlockSource, gatherFabricProof } from './fabric/gather';
import { readMeterRecords } from './meter-records';
import { parseProof, type ReceiptProof } from './proof';
import { renderVerdict } from './render';
import { transparencyXml } from './transparency';
import { verifyProof } from './verify';

class UsageError extends Error {}

/** The ledger recorded a refusal instead of a receipt: a verdict, not a failure to gather one. */
class RefusedByLedger extends Error {
  constructor(
    readonly sessionId: string,
    readonly refusal: RecordedRefusal,
  ) {
    super(`refused by the ledger: ${refusal.code}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      proof: { type: 'string' },
      out: { type: 'string' },
      xml: { type: 'string' },
      records: { type: 'string' },
      anchors: { type: 'string' },
      ledger: { type: 'string' },
      peers: { type: 'string', default: 'operators,wallets' },
      identity: { type: 'string', default: 'wallets/wallet-service' },
    },
  });
  let proof: ReceiptProof;
  if (values.proof !== undefined) {
    if (positionals.length > 0) throw new UsageError('give either a session id or --proof <file>, not both');
    proof = parseProof(readFileSync(values.proof, 'utf8'));
  } else {
    const sessionId = positionals[0];
    if (sessionId === undefined || positionals.length > 1) throw new UsageError('usage: npm run verify -- <session id> [--json] [--out proof.json] [--xml receipt.xml], or --proof <file>');
    try {
      proof = await gather(sessionId, values);
    } catch (error) {
      if (!(error instanceof RefusedByLedger)) throw error;
      const { refusal } = error;
      process.stdout.write(`${values.json ? JSON.stringify({ sessionId, verified: false, refusedByLedger: refusal }, null, 2) : renderRefusal(sessionId, refusal)}\n`);
      return 1;
    }
  }
  if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(proof, null, 2)}\n`);
  const anchors = values.anchors === undefined ? undefined : (JSON.parse(readFileSync(values.anchors, 'utf8')) as Record<string, string[]>);
  const verdict = verifyProof(proof, anchors === undefined ? {} : { anchors });
  if (values.xml !== undefined) {
    const publicKey = verdict.receipt?.meterPublicKey;
    if (publicKey === undefined) throw new UsageError('no XML: the session has no meter key the ledger froze (unsigned meter data)');
    writeFileSync(values.xml, transparencyXml({ sessionId: proof.sessionId, records: proof.ocmfRecords, publicKey }));
  }
  process.stdout.write(`${values.json ? JSON.stringify(verdict, null, 2) : renderVerdict(verdict)}\n`);
  if (!values.json && values.out !== undefined) process.stdout.write(`\nproof written to ${values.out}: check it again any time with npm run verify -- --proof ${values.out}\n`);
  return verdict.verified ? 0 : 1;
}

async function gather(sessionId: string, options: { readonly records?: string | undefined; readonly ledger?: string | undefined; readonly peers: string; readonly identity: string }): Promise<ReceiptProof> {
  const config = loadConfig();
  const records = async (): Promise<string[]> => (options.records !== undefined ? (JSON.parse(readFileSync(options.records, 'utf8')) as string[]) : recordsFromCsms(config, sessionId));
  const kind = options.ledger ?? (config.ledger === 'auto' ? await runningLedger(config) : config.ledger);
  if (kind === 'embedded') {
    const client = new EmbeddedGatewayClient({ url: `http://${config.embedded.host}:${config.embedded.port}`, key: embeddedKey(config), identity: { mspId: 'WalletsMSP' } });
    const receipt = await receiptOf(client, sessionId);
    return gatherEmbeddedProof({ sessionId, transactionId: receipt.txId, readBlock: (number) => client.block(number), ocmfRecords: await records() });
  }
  if (kind !== 'fabric') throw new UsageError('--ledger must be fabric or embedded');
  const description = await readNetworkDescription(config.fabric.networkFile);
  const [identityOrganization = '', identity = ''] = options.identity.split('/');
  const own = await connectAs(description, identityOrganization, identity);
  const sources = await Promise.all(options.peers.split(',').map((peer) => fabricBlockSource(description, peer.trim(), identityOrganization, identity)));
  try {
    const receipt = await receiptOf(own.ledger, sessionId);
    return await gatherFabricProof({ channel: description.channel, chaincode: description.chaincode, sessionId, transactionId: receipt.txId, sources, ocmfRecords: await records() });
  } finally {
    own.close();
    for (const source of sources) source.close();
  }
}

async function receiptOf(ledger: ChargingLedger, sessionId: string): Promise<Receipt> {
  const settlement = await ledgerSettlementOf(ledger, sessionId);
  if (settlement.kind === 'settled') return settlement.receipt;
  if (settlement.kind === 'refused') throw new RefusedByLedger(sessionId, settlement.refusal);
  throw new UsageError(`the ledger has no receipt for session ${sessionId}: it has not settled (yet)${settlement.status === undefined ? '' : `; the session is ${settlement.status}`}`);
}

async function recordsFromCsms(config: ReturnType<typeof loadConfig>, sessionId: string): Promise<string[]> {
  let key: string;
  try {
    // The records carry the card id the meter signed: the CSMS gives them to an operator's key or a `records` key only.
    key = readFileSync(config.participants.csms.recordsKeyFile, 'utf8').trim();
  } catch {
    throw new UsageError(`no key of the CSMS role records at ${config.participants.csms.recordsKeyFile}: pass the session's signed records with --records <file> (a JSON array of OCMF strings)`);
  }
  return readMeterRecords(config.participants.csms.url, key, sessionId);
}

/**
 * The Wallets' key of the embedded ledger's gateway: a receipt is the driver's, read as Wallets reads it (the
 * blocks themselves any organization's key may read).
 */
function embeddedKey(config: ReturnType<typeof loadConfig>): string {
  return readFileSync(config.embedded.keyFiles.Wallets, 'utf8').trim();
}

/** `auto`: the embedded ledger when its gateway answers, the Fabric network otherwise. */
async function runningLedger(config: ReturnType<typeof loadConfig>): Promise<'fabric' | 'embedded'> {
  try {
    const response = await fetch(`http://${config.embedded.host}:${config.embedded.port}/v1/height`, { headers: { authorization: `Bearer ${embeddedKey(config)}` }, signal: AbortSignal.timeout(1_000) });
    if (response.ok) return 'embedded';
  } catch {
    // not running
  }
  return 'fabric';
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
