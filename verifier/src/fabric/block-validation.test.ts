import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { Writer } from 'protobufjs';
import { parseProof, type ReceiptProof } from '../proof';
import type { Verdict } from '../verdict';
import { decodeBlock, decodeConfig } from './decode';
import { verifyFabricProof } from './verify';
import { decodeMetadataEntry, type MetadataSignature } from './wire';

/**
 * A receipt's proof gathered from a real network ordered by SmartBFT (four consenters, one per founding
 * organization: network.sh with FABRIC_ORDERING=bft), then its blocks' SIGNATURES metadata edited as a forger
 * would: signatures dropped, repeated, renamed or made with a key no consenter holds.
 */
const proof: ReceiptProof = parseProof(readFileSync(path.join(__dirname, 'testdata', 'bft-receipt-proof.json'), 'utf8'));
const signedBlocks = [...new Set(proof.blocks.map((block) => block.number))].filter((number) => number > 0);

const failed = (verdict: Verdict): Record<string, string> => Object.fromEntries(verdict.checks.filter((check) => !check.ok).map((check) => [check.id, check.detail]));

function identifierHeader(consenterId: number, nonce: Buffer): Buffer {
  return Buffer.from(Writer.create().uint32(0x08).uint32(consenterId).uint32(0x12).bytes(nonce).finish());
}

function encodeMetadataEntry(value: Buffer, signatures: readonly MetadataSignature[]): Uint8Array {
  const writer = Writer.create().uint32(0x0a).bytes(value);
  for (const signature of signatures) {
    const inner = Writer.create();
    if (signature.signatureHeader.length > 0) inner.uint32(0x0a).bytes(signature.signatureHeader);
    inner.uint32(0x12).bytes(signature.signature);
    if (signature.identifierHeader.length > 0) inner.uint32(0x1a).bytes(signature.identifierHeader);
    writer.uint32(0x12).bytes(inner.finish());
  }
  return writer.finish();
}

/** The proof with every copy of every signed block's signatures replaced by what `edit` makes of them. */
function editSignatures(edit: (signatures: readonly MetadataSignature[], signedBytes: (header: Buffer) => Buffer) => MetadataSignature[]): ReceiptProof {
  return {
    ...proof,
    blocks: proof.blocks.map((served) => {
      if (served.number === 0) return served;
      const block = common.Block.deserializeBinary(Buffer.from(served.bytes, 'base64'));
      const metadata = block.getMetadata() as common.BlockMetadata;
      const list = metadata.getMetadataList_asU8();
      const entry = decodeMetadataEntry(list[common.BlockMetadataIndex.SIGNATURES] as Uint8Array);
      const { headerBytes } = decodeBlock(Buffer.from(served.bytes, 'base64'));
      const signedBytes = (header: Buffer): Buffer => Buffer.concat([entry.value, header, headerBytes]);
      list[common.BlockMetadataIndex.SIGNATURES] = encodeMetadataEntry(entry.value, edit(entry.signatures, signedBytes));
      metadata.setMetadataList(list);
      return { ...served, bytes: Buffer.from(block.serializeBinary()).toString('base64') };
    }),
  };
}

const consenterOf = (signature: MetadataSignature): number => Buffer.from(signature.identifierHeader)[1] as number;

it('verifies a receipt from BFT blocks: each copy carries a quorum of consenter signatures, named by consenter id only', () => {
  const verdict = verifyFabricProof(proof);
  expect(failed(verdict)).toEqual({});
  expect(verdict.verified).toBe(true);
  expect(verdict.checks.find((check) => check.id === 'block-signatures')?.detail).toBe(
    `${signedBlocks.length} blocks (${proof.blocks.filter((block) => block.number > 0).length} copies) signed as the BlockValidation policy asks: 3 of the 4 consenters (OperatorsMSP, ProsumersMSP, WalletsMSP, AuthorityMSP); block 0 is the genesis, the trust anchor`,
  );
  for (const served of proof.blocks.filter((block) => block.number > 0)) {
    const block = decodeBlock(Buffer.from(served.bytes, 'base64'));
    expect(block.signatures.every((signature) => signature.signer === undefined && signature.signatureHeader.length === 0 && signature.consenterId !== undefined)).toBe(true);
  }
});

it('reads the consenter mapping and the quorum policy configtxgen wrote for four consenters', () => {
  const config = decodeConfig(decodeBlock(Buffer.from(proof.blocks.find((block) => block.number === 0)?.bytes as string, 'base64')));
  expect(config.consenters.map(({ id, mspId }) => ({ id, mspId }))).toEqual([
    { id: 1, mspId: 'OperatorsMSP' },
    { id: 2, mspId: 'ProsumersMSP' },
    { id: 3, mspId: 'WalletsMSP' },
    { id: 4, mspId: 'AuthorityMSP' },
  ]);
  expect(config.consenters.every((consenter) => consenter.identity.startsWith('-----BEGIN CERTIFICATE-----'))).toBe(true);
  expect(config.blockValidation).toMatchObject({ kind: 'signature', rule: { outOf: 3, rules: [{ signedBy: 0 }, { signedBy: 1 }, { signedBy: 2 }, { signedBy: 3 }] } });
});

it('refuses blocks that carry two consenter signatures where the policy asks three, naming the consenters missing', () => {
  const verdict = verifyFabricProof(editSignatures((signatures) => signatures.slice(0, 2)));
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['block-signatures']).toMatch(/^block \d+ from \w+ does not satisfy the BlockValidation policy \(3 of the 4 consenters \(OperatorsMSP, ProsumersMSP, WalletsMSP, AuthorityMSP\)\): 2 valid signatures \(\w+MSP, \w+MSP\); consenter \d \(\w+MSP\): no signature; consenter \d \(\w+MSP\): no signature$/);
});

it('refuses a forged signature: made with a key no consenter holds, over the right bytes, in a consenter\'s name', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const verdict = verifyFabricProof(
    editSignatures((signatures, signedBytes) => signatures.map((signature, index) => (index === 0 ? { ...signature, signature: sign('sha256', signedBytes(signature.identifierHeader), privateKey) } : signature))),
  );
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['block-signatures']).toMatch(/: 2 valid signatures \(\w+MSP, \w+MSP\); consenter \d \(\w+MSP\): the signature does not verify; consenter \d \(\w+MSP\): no signature$/);
});

it('refuses a consenter\'s signature claimed for another consenter, and one from an id the configuration does not map', () => {
  const renamed = verifyFabricProof(
    editSignatures((signatures) => {
      const [first, ...rest] = signatures as [MetadataSignature, ...MetadataSignature[]];
      const unused = [1, 2, 3, 4].find((id) => !signatures.some((signature) => consenterOf(signature) === id)) as number;
      return [{ ...first, identifierHeader: identifierHeader(unused, Buffer.from('nonce')) }, ...rest];
    }),
  );
  expect(failed(renamed)['block-signatures']).toMatch(/: 2 valid signatures \(.*\); consenter \d \(\w+MSP\): the signature does not verify/);

  const outsider = verifyFabricProof(editSignatures((signatures) => signatures.map((signature, index) => (index === 0 ? { ...signature, identifierHeader: identifierHeader(9, Buffer.from('nonce')) } : signature))));
  expect(outsider.verified).toBe(false);
  expect(failed(outsider)['block-signatures']).toMatch(/consenter 9: the channel configuration maps no consenter to that id/);
});

it('counts one consenter\'s signature once, however often the block repeats it', () => {
  const verdict = verifyFabricProof(editSignatures((signatures) => [signatures[0], signatures[0], signatures[0]] as MetadataSignature[]));
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['block-signatures']).toMatch(/: 1 valid signature \(\w+MSP\);/);
});

it('refuses a block whose signatures were all removed, and one whose only copy from another peer lost them', () => {
  const none = verifyFabricProof(editSignatures(() => []));
  expect(failed(none)['block-signatures']).toMatch(/: 0 valid signatures; consenter 1 \(OperatorsMSP\): no signature; consenter 2 \(ProsumersMSP\): no signature; consenter 3 \(WalletsMSP\): no signature; consenter 4 \(AuthorityMSP\): no signature$/);
  const settlementBlock = proof.blocks.find((block) => block.servedBy === 'wallets')?.number;
  const stripped = editSignatures(() => []);
  const oneCopy = { ...proof, blocks: proof.blocks.map((served, index) => (served.servedBy === 'wallets' ? (stripped.blocks[index] as typeof served) : served)) };
  const verdict = verifyFabricProof(oneCopy);
  expect(verdict.verified).toBe(false);
  expect(failed(verdict)['block-signatures']).toMatch(new RegExp(`^block ${settlementBlock} from wallets does not satisfy the BlockValidation policy`));
});
