import { Reader } from 'protobufjs';

/**
 * Fabric 3 messages the JavaScript protos in use (@hyperledger/fabric-protos 0.2) do not know, decoded from the
 * wire format by hand: the SIGNATURES metadata of a block with its BFT identifier headers, and the channel's
 * consenter mapping. Field numbers are those of fabric-protos' common/common.proto and common/configuration.proto.
 */

const LENGTH_DELIMITED = 2;
const VARINT = 0;

/** common.MetadataSignature: signature_header = 1, signature = 2, identifier_header = 3. */
export interface MetadataSignature {
  /** A common.SignatureHeader naming the signer (Raft, Solo); empty under BFT. */
  readonly signatureHeader: Buffer;
  readonly signature: Buffer;
  /** A common.IdentifierHeader naming the signer by its consenter id (BFT); empty otherwise. */
  readonly identifierHeader: Buffer;
}

/** common.Metadata: value = 1, signatures = 2 (repeated MetadataSignature). */
export interface BlockMetadataEntry {
  readonly value: Buffer;
  readonly signatures: readonly MetadataSignature[];
}

/** common.IdentifierHeader: identifier = 1 (uint32, the consenter's id), nonce = 2. */
export interface IdentifierHeader {
  readonly identifier: number;
  readonly nonce: Buffer;
}

/** common.Consenter, one entry of the `Orderers` value's consenter_mapping in the channel's Orderer group. */
export interface Consenter {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly mspId: string;
  /** The consenter's enrollment certificate (PEM), the identity it signs blocks with. */
  readonly identity: string;
}

type FieldReader = (reader: Reader, field: number, wireType: number) => boolean;

/** Reads every field of one message; `read` consumes the fields it knows and returns false for the others, which are skipped. */
function readMessage(bytes: Uint8Array, read: FieldReader): void {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new Error(`field number 0 at byte ${reader.pos}`);
    if (!read(reader, field, wireType)) reader.skipType(wireType);
  }
}

function bytesField(reader: Reader, wireType: number, name: string): Buffer {
  if (wireType !== LENGTH_DELIMITED) throw new Error(`${name} has wire type ${wireType}, not length-delimited`);
  return Buffer.from(reader.bytes());
}

function varintField(reader: Reader, wireType: number, name: string): number {
  if (wireType !== VARINT) throw new Error(`${name} has wire type ${wireType}, not varint`);
  return reader.uint32();
}

export function decodeMetadataEntry(bytes: Uint8Array): BlockMetadataEntry {
  let value: Buffer = Buffer.alloc(0);
  const signatures: MetadataSignature[] = [];
  readMessage(bytes, (reader, field, wireType) => {
    if (field === 1) value = bytesField(reader, wireType, 'Metadata.value');
    else if (field === 2) signatures.push(decodeMetadataSignature(bytesField(reader, wireType, 'Metadata.signatures')));
    else return false;
    return true;
  });
  return { value, signatures };
}

function decodeMetadataSignature(bytes: Uint8Array): MetadataSignature {
  let signatureHeader: Buffer = Buffer.alloc(0);
  let signature: Buffer = Buffer.alloc(0);
  let identifierHeader: Buffer = Buffer.alloc(0);
  readMessage(bytes, (reader, field, wireType) => {
    if (field === 1) signatureHeader = bytesField(reader, wireType, 'MetadataSignature.signature_header');
    else if (field === 2) signature = bytesField(reader, wireType, 'MetadataSignature.signature');
    else if (field === 3) identifierHeader = bytesField(reader, wireType, 'MetadataSignature.identifier_header');
    else return false;
    return true;
  });
  return { signatureHeader, signature, identifierHeader };
}

export function decodeIdentifierHeader(bytes: Uint8Array): IdentifierHeader {
  let identifier = 0;
  let nonce: Buffer = Buffer.alloc(0);
  readMessage(bytes, (reader, field, wireType) => {
    if (field === 1) identifier = varintField(reader, wireType, 'IdentifierHeader.identifier');
    else if (field === 2) nonce = bytesField(reader, wireType, 'IdentifierHeader.nonce');
    else return false;
    return true;
  });
  return { identifier, nonce };
}

/** common.Orderers: consenter_mapping = 1 (repeated Consenter). */
export function decodeConsenterMapping(bytes: Uint8Array): Consenter[] {
  const consenters: Consenter[] = [];
  readMessage(bytes, (reader, field, wireType) => {
    if (field !== 1) return false;
    consenters.push(decodeConsenter(bytesField(reader, wireType, 'Orderers.consenter_mapping')));
    return true;
  });
  return consenters;
}

/** common.Consenter: id = 1, host = 2, port = 3, msp_id = 4, identity = 5 (the TLS certificates, 6 and 7, are not needed here). */
function decodeConsenter(bytes: Uint8Array): Consenter {
  let id = 0;
  let host = '';
  let port = 0;
  let mspId = '';
  let identity = '';
  readMessage(bytes, (reader, field, wireType) => {
    if (field === 1) id = varintField(reader, wireType, 'Consenter.id');
    else if (field === 2) host = bytesField(reader, wireType, 'Consenter.host').toString('utf8');
    else if (field === 3) port = varintField(reader, wireType, 'Consenter.port');
    else if (field === 4) mspId = bytesField(reader, wireType, 'Consenter.msp_id').toString('utf8');
    else if (field === 5) identity = bytesField(reader, wireType, 'Consenter.identity').toString('utf8');
    else return false;
    return true;
  });
  return { id, host, port, mspId, identity };
}
