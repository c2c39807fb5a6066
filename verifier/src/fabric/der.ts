/** DER of Fabric's block header, the bytes its hash and the orderer's signature cover (protoutil.BlockHeaderBytes). */
export function blockHeaderBytes(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return tagged(0x30, Buffer.concat([integer(number), tagged(0x04, Buffer.from(previousHash)), tagged(0x04, Buffer.from(dataHash))]));
}

function integer(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tagged(0x02, bytes);
}

function tagged(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
