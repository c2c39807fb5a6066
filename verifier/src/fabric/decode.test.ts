import { common } from '@hyperledger/fabric-protos';
import { decodeBlock, decodeConfig } from './decode';

/** A length-delimited protobuf field, as Fabric 3's orderers write the fields the generated classes do not know. */
function field(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
}
const varintField = (number: number, value: number): Buffer => Buffer.from([number << 3, value]);

/** The value every orderer signature covers: the block's orderer metadata, naming its last configuration block. */
function ordererMetadata(lastConfig: number): Buffer {
  const metadata = new common.OrdererBlockMetadata();
  const last = new common.LastConfig();
  last.setIndex(lastConfig);
  metadata.setLastConfig(last);
  return Buffer.from(metadata.serializeBinary());
}

function blockWith(data: Buffer[], signatures: Buffer[], value = ordererMetadata(4)): Uint8Array {
  const block = new common.Block();
  const header = new common.BlockHeader();
  header.setNumber(7);
  header.setPreviousHash(Buffer.alloc(32, 1));
  header.setDataHash(Buffer.alloc(32, 2));
  block.setHeader(header);
  const blockData = new common.BlockData();
  blockData.setDataList(data);
  block.setData(blockData);
  const metadata = new common.BlockMetadata();
  metadata.setMetadataList([Buffer.concat([field(1, value), ...signatures.map((signature) => field(2, signature))]), Buffer.alloc(0), Buffer.alloc(0)]);
  block.setMetadata(metadata);
  return block.serializeBinary();
}

it('reads a SmartBFT block signature: the consenter id of its identifier header, and that header as the signed bytes', () => {
  const identifierHeader = Buffer.concat([varintField(1, 3), field(2, Buffer.from('nonce'))]);
  const signature = Buffer.concat([field(2, Buffer.from('signature-bytes')), field(3, identifierHeader)]);
  const block = decodeBlock(blockWith([], [signature]));
  expect(block.signedMetadata).toEqual(ordererMetadata(4));
  expect(block.lastConfig).toBe(4);
  expect(block.signatures).toEqual([{ signer: undefined, consenterId: 3, signatureHeader: identifierHeader, signature: Buffer.from('signature-bytes') }]);
});

it('reads a Raft block signature by its signature header\'s creator', () => {
  const creator = Buffer.concat([field(1, Buffer.from('AuthorityMSP')), field(2, Buffer.from('-----BEGIN CERTIFICATE-----'))]);
  const signatureHeader = Buffer.concat([field(1, creator), field(2, Buffer.from('nonce'))]);
  const block = decodeBlock(blockWith([], [Buffer.concat([field(1, signatureHeader), field(2, Buffer.from('sig'))])]));
  expect(block.signatures).toEqual([{ signer: { mspId: 'AuthorityMSP', certificate: '-----BEGIN CERTIFICATE-----' }, signatureHeader, signature: Buffer.from('sig') }]);
});

it('reads the consenter mapping of a BFT channel\'s configuration', () => {
  const consenter = (id: number, mspId: string, pem: string): Buffer =>
    Buffer.concat([varintField(1, id), field(2, Buffer.from(`${mspId}.test`)), varintField(3, 50), field(4, Buffer.from(mspId)), field(5, Buffer.from(pem)), field(6, Buffer.from('tls')), field(7, Buffer.from('tls'))]);
  const orderers = new common.ConfigValue();
  orderers.setValue(Buffer.concat([field(1, consenter(1, 'OperatorsMSP', 'pem-1')), field(1, consenter(2, 'WalletsMSP', 'pem-2'))]));
  const ordererGroup = new common.ConfigGroup();
  ordererGroup.getValuesMap().set('Orderers', orderers);
  const channel = new common.ConfigGroup();
  channel.getGroupsMap().set('Orderer', ordererGroup);
  const config = new common.Config();
  config.setChannelGroup(channel);
  const envelope = new common.ConfigEnvelope();
  envelope.setConfig(config);
  const payload = new common.Payload();
  payload.setData(envelope.serializeBinary());
  const entry = new common.Envelope();
  entry.setPayload(payload.serializeBinary());
  const decoded = decodeConfig(decodeBlock(blockWith([Buffer.from(entry.serializeBinary())], [])));
  expect(decoded.consenters).toEqual([
    { id: 1, identity: { mspId: 'OperatorsMSP', certificate: 'pem-1' } },
    { id: 2, identity: { mspId: 'WalletsMSP', certificate: 'pem-2' } },
  ]);
});
