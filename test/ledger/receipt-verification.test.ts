import { execFile } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, repositoryRoot } from '@chargeledger/config';
import type { Meter } from '@chargeledger/chaincode/api';
import { verifyTransactionEvidence } from '@chargeledger/chaincode/ocmf';
import { issueCertificate, newIssuer } from '@chargeledger/chaincode/testing';
import { generateMeterKey, parseOcmf, publicKeySpkiDer, signOcmf } from '@chargeledger/simulators';
import { readMeterRecords, type ReceiptProof, transparencyXml, type Verdict, verifyProof } from '@chargeledger/verifier';
import { RECORDS_KEY } from '../support/csms';
import { aDriverWithCard, eventId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, chargeAndStop, jobIds, MINUTE_MS, type Pipeline, readLedger, startCharging } from './support/pipeline';
import { dropFirstOrdererSignature, editEmbeddedBlock, editJson, forgeEmbeddedChain, forgeSettlement } from './support/proof-forgery';

/**
 * `npm run verify`'s checks on a real settlement: the proof gathered from the ledger (on Fabric, from the
 * Operators' and the Wallets' peers) and the meter records from the CSMS verify; every forgery of a copy of
 * the proof is refused, naming the check it fails.
 */

let ledger: LedgerUnderTest;
let pipeline: Pipeline;
let sessionId: string;
let transactionId: string;
let records: string[];
let proof: ReceiptProof;
let leakedKey: KeyObject;

/** The verifier's command line, as `npm run verify` runs it. */
function verifyCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(repositoryRoot, 'verifier/src/cli.ts'), ...args], { cwd: repositoryRoot }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const failed = (verdict: Verdict): Record<string, string> => Object.fromEntries(verdict.checks.filter((check) => !check.ok).map((check) => [check.id, check.detail]));

beforeAll(async () => {
  ledger = await openLedgerUnderTest();
  pipeline = await aPipeline(ledger, '2.0.1');
  const authority = ledger.party('authority');
  const { meterSerial } = pipeline.station;
  const meter = (await authority.evaluate('Registry:getMeter', { meterSerial })) as Meter;
  const meterKey = meter.keys[0]?.publicKey as string;
  // A key that leaked: the Authority rotated to it, revoked it, and rotated back to the meter's own key.
  leakedKey = generateMeterKey();
  await authority.submit('Registry:rotateMeterKey', { eventId: eventId(), meterSerial, keyId: 'k-leaked', publicKey: publicKeySpkiDer(leakedKey).toString('hex') });
  await authority.submit('Registry:revokeMeterKey', { eventId: eventId(), meterSerial, keyId: 'k-leaked' });
  await authority.submit('Registry:rotateMeterKey', { eventId: eventId(), meterSerial, keyId: 'k3', publicKey: meterKey });
  // The session starts after the rotations, on the charger's clock too: k3 is the key in force at its start,
  // however long the rotations took to commit.
  await pipeline.clock.advance(Math.max(0, Date.now() - pipeline.clock.now()) + 1_000);

  const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
  await pipeline.issueCard(driver);
  ({ sessionId } = await startCharging(pipeline, driver.idToken));
  await chargeAndStop(pipeline, 12 * MINUTE_MS);
  await pipeline.bridge.completed(jobIds(sessionId).ended);
  transactionId = (await readLedger(ledger).receipt(sessionId)).txId;
  records = await readMeterRecords(pipeline.csms.url, RECORDS_KEY, sessionId);
  proof = await ledger.proof(sessionId, transactionId, records);
});

afterAll(async () => {
  await pipeline?.close();
  await ledger?.close();
});

it('verifies the settlement: blocks, signatures, endorsements, the meter\'s records and the recomputed price', async () => {
  const verdict = verifyProof(proof);
  expect(failed(verdict)).toEqual({});
  expect(verdict.verified).toBe(true);
  const receipt = await readLedger(ledger).receipt(sessionId);
  expect(verdict.receipt).toMatchObject({ sessionId, transactionId, charged: receipt.charged, recomputedPrice: receipt.priced, energyWh: receipt.energyWh, meterKeyId: 'k3' });
  expect(verdict.receipt?.endorsedBy).toContain('WalletsMSP');
  if (ledger.kind === 'fabric') {
    expect(new Set(proof.blocks.filter((block) => block.number === verdict.receipt?.blockNumber).map((block) => block.servedBy))).toEqual(new Set(['operators', 'wallets']));
  }
  // The proof is a file: it checks the same once written and read back.
  expect(verifyProof(JSON.parse(JSON.stringify(proof)) as ReceiptProof).verified).toBe(true);
});

it('is what `npm run verify -- --proof <file>` checks: exit 0 and the verdict, exit 1 and the failed check for a forgery', async () => {
  const folder = await mkdtemp(path.join(tmpdir(), 'chargeledger-proof-'));
  try {
    const file = path.join(folder, 'proof.json');
    await writeFile(file, JSON.stringify(proof));
    const verified = await verifyCli(['--proof', file, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ verified: true, sessionId, receipt: { transactionId } });
    await writeFile(file, JSON.stringify({ ...proof, ocmfRecords: [...records].reverse() }));
    const refused = await verifyCli(['--proof', file]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`^NOT VERIFIED: the receipt of session ${sessionId} fails`));
    expect(refused.stdout).toMatch(/FAIL {2}the meter's records verify against that key/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

it('checks the channel\'s CAs against the fingerprints a verifier pinned', () => {
  const anchors = verifyProof(proof).receipt?.trustAnchors ?? {};
  expect(Object.keys(anchors)).toEqual(expect.arrayContaining(['OperatorsMSP', 'WalletsMSP', 'AuthorityMSP', 'ProsumersMSP']));
  expect(verifyProof(proof, { anchors }).verified).toBe(true);
  const wrong = { ...anchors, WalletsMSP: ['00'.repeat(32)] };
  const verdict = verifyProof(proof, { anchors: wrong });
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['msp-membership']).toMatch(/^the channel configuration names CAs you did not pin: WalletsMSP [0-9a-f]{64}$/);
});

it('refuses a tampered meter record', () => {
  const tampered = records.map((record, index) => (index === records.length - 1 ? record.replace(/"RV":([0-9.]+)/, (_match, value: string) => `"RV":${(Number(value) + 1).toFixed(3)}`) : record));
  expect(tampered).not.toEqual(records);
  const verdict = verifyProof({ ...proof, ocmfRecords: tampered });
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['meter-signatures']).toMatch(/^BAD_SIGNATURE in record 1: .*not signed by any key the Authority registered/);
});

it('refuses records signed with a key the Authority revoked, and with a key it never registered', () => {
  const resign = (key: KeyObject): string[] => records.map((record) => signOcmf(parseOcmf(record).payloadText, key));
  const revoked = verifyProof({ ...proof, ocmfRecords: resign(leakedKey) });
  expect(failed(revoked)['meter-signatures']).toMatch(/signed with key k-leaked, which the Authority revoked at /);
  const unregistered = verifyProof({ ...proof, ocmfRecords: resign(generateMeterKey()) });
  expect(failed(unregistered)['meter-signatures']).toMatch(/not signed by any key the Authority registered for meter /);
});

it('refuses a charge above the recomputed price, even with the receipt and both entries edited to agree', () => {
  const extra = 100;
  const forged = forgeSettlement(proof, {
    writes: (key, value) => {
      if (key.startsWith('\u0000cl.receipt\u0000')) return editJson(value, (r) => ({ ...r, charged: (r['charged'] as number) + extra, priced: (r['priced'] as number) + extra }));
      if (key.startsWith('\u0000cl.entry\u0000')) return editJson(value, (e) => ({ ...e, amount: (e['amount'] as number) + Math.sign(e['amount'] as number) * extra }));
      return undefined;
    },
  });
  const verdict = verifyProof(forged);
  const failures = failed(verdict);
  expect(verdict.verified).toBe(false);
  expect(failures['price']).toMatch(/^charged .* but .* cost .* was due$/);
  expect(failures['receipt']).toBeUndefined();
  expect(failures['block-hashes']).toMatch(/does not match its header's data hash/);
  expect(failures['endorsement-signatures']).toMatch(/does not verify/);
});

it('refuses a block that another organization\'s peer serves differently', () => {
  if (ledger.kind === 'embedded') {
    // One process keeps the embedded ledger: a changed block no longer matches the chain of headers.
    const verdict = verifyProof(forgeSettlement(proof, { writes: (key, value) => (key.startsWith('\u0000cl.receipt\u0000') ? editJson(value, (r) => ({ ...r, energyWh: 1 })) : undefined) }));
    expect(failed(verdict)['block-hashes']).toMatch(/data does not match/);
    return;
  }
  const verdict = verifyProof(forgeSettlement(proof, { writes: (key, value) => (key.startsWith('\u0000cl.receipt\u0000') ? editJson(value, (r) => ({ ...r, energyWh: 1 })) : undefined) }, 'wallets'));
  expect(failed(verdict)['peers-agree']).toMatch(/^the peers disagree on block \d+: operators's copy/);
});

/** How the network under test orders blocks (network.sh keeps it in <data>/fabric/ordering): `raft` or `bft`. */
async function fabricOrdering(): Promise<string> {
  return (await readFile(path.join(loadConfig().dataDir, 'fabric', 'ordering'), 'utf8').catch(() => 'raft')).trim();
}

it('checks the orderers\' signatures against the channel\'s BlockValidation policy: on BFT, 3 of the 4 consenters, each by its consenter id', async () => {
  const detail = verifyProof(proof).checks.find((check) => check.id === 'block-signatures')?.detail;
  if (ledger.kind === 'embedded') {
    expect(detail).toMatch(/no ordering service/i);
    return;
  }
  expect(detail).toMatch((await fabricOrdering()) === 'bft' ? /signed as the BlockValidation policy asks: 3 of the 4 consenters \(OperatorsMSP, ProsumersMSP, WalletsMSP, AuthorityMSP\)/ : /signed as the BlockValidation policy asks: ANY Writers of AuthorityMSP/);
  const verdict = verifyProof(dropFirstOrdererSignature(proof));
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['block-signatures']).toMatch((await fabricOrdering()) === 'bft' ? /^block \d+ from \w+ does not satisfy the BlockValidation policy \(3 of the 4 consenters .*\): 2 valid signatures .*: no signature/ : /^block \d+ from \w+ does not satisfy the BlockValidation policy \(ANY Writers of AuthorityMSP\): 0 valid signatures$/);
});

it('refuses a settlement submitted with a certificate outside the channel\'s MSPs', () => {
  const stranger = issueCertificate(newIssuer('OperatorsMSP'), { commonName: 'bridge', organization: 'OperatorsMSP', organizationalUnit: 'client' }, { 'chargeledger.operatorId': 'op-1' }, 7);
  const verdict = verifyProof(forgeSettlement(proof, { creatorCertificate: stranger }));
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['msp-membership']).toMatch(/the submitter claiming OperatorsMSP: the certificate .* was not issued by OperatorsMSP's CA/);
});

it('refuses, on the embedded ledger, a settlement block whose commit hash does not chain its validation codes', () => {
  if (ledger.kind !== 'embedded') return;
  const settlementBlock = verifyProof(proof).receipt?.blockNumber ?? -1;
  const verdict = verifyProof(editEmbeddedBlock(proof, settlementBlock, (block) => ({ ...block, metadata: { ...block.metadata, commitHash: 'ff'.repeat(32) } })));
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['block-hashes']).toMatch(/commit hash does not chain/);
});

it('refuses, on the embedded ledger, block 0 with another Wallets CA and the chain hashed again: the Wallets peer is not that CA\'s', () => {
  if (ledger.kind !== 'embedded') return;
  const strangerCa = issueCertificate(newIssuer('WalletsMSP'), { commonName: 'ca.wallets', organization: 'WalletsMSP' }, {}, 9);
  const forged = forgeEmbeddedChain(proof, (block) => {
    if (block.header.number !== 0) return undefined;
    const config = JSON.parse(block.data[0] ?? '{}') as { organizations: { mspId: string; caCertificate: string }[] };
    const organizations = config.organizations.map((org) => (org.mspId === 'WalletsMSP' ? { ...org, caCertificate: strangerCa } : org));
    return { ...block, data: [JSON.stringify({ ...config, organizations }), ...block.data.slice(1)] };
  });
  const verdict = verifyProof(forged);
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['block-hashes']).toBeUndefined();
  expect(failed(verdict)['msp-membership']).toMatch(/the endorser claiming WalletsMSP: the certificate .* was not issued by WalletsMSP's CA/);
});

it('exports the records for the Transparenzsoftware: one value per record, with the key the Authority registered, and its signatures verify', () => {
  const verdict = verifyProof(proof);
  const xml = transparencyXml({ sessionId, records, publicKey: verdict.receipt?.meterPublicKey as string });
  const values = [...xml.matchAll(/<value transactionId="([0-9]+)" context="([^"]+)">\s*<signedData format="OCMF" encoding="plain">([^<]+)<\/signedData>\s*<publicKey encoding="hex">([0-9A-F ]+)<\/publicKey>\s*<\/value>/g)];
  expect(values.map((match) => match[2])).toEqual(records.length === 1 ? ['Transaction.Begin'] : ['Transaction.Begin', ...Array(records.length - 2).fill('Transaction.Update'), 'Transaction.End']);
  const exported = values.map((match) => (match[3] as string).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  expect(exported).toEqual(records);
  const key = (values[0]?.[4] as string).replace(/ /g, '');
  expect(verifyTransactionEvidence(exported, key).energyWh).toBe(verdict.receipt?.energyWh);
});
