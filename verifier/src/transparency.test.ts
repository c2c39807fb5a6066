import { verifyTransactionEvidence } from '@chargeledger/chaincode/ocmf';
import { TestMeter } from '@chargeledger/chaincode/testing';
import { datasetNumber, spkiHex, transparencyXml } from './transparency';

const meter = new TestMeter('M-7');
const START = Date.UTC(2026, 0, 5, 9, 0, 0);

it('writes one value per record in the Transparenzsoftware\'s shape, Begin first and End last, the key as spaced hex SPKI', () => {
  const records = [...meter.session({ timeMs: START, registerWh: 0 }, { timeMs: START + 60_000, registerWh: 250 })];
  const xml = transparencyXml({ sessionId: 'CP-1-9', records, publicKey: meter.publicKey });
  const values = [...xml.matchAll(/<value transactionId="9" context="(Transaction\.\w+)">\n {4}<signedData format="OCMF" encoding="plain">(OCMF\|[^<]+)<\/signedData>\n {4}<publicKey encoding="hex">([0-9A-F ]+)<\/publicKey>/g)];
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<values>\n')).toBe(true);
  expect(values.map((value) => value[1])).toEqual(['Transaction.Begin', 'Transaction.End']);
  expect(values.map((value) => value[2])).toEqual(records);
  expect(verifyTransactionEvidence(values.map((value) => value[2] as string), (values[0]?.[3] as string).replace(/ /g, '')).energyWh).toBe(250);
});

it('reads a registered key in hex or base64 alike', () => {
  const hex = meter.publicKey;
  expect(spkiHex(Buffer.from(hex, 'hex').toString('base64'))).toBe(spkiHex(hex.toLowerCase()));
  expect(spkiHex(hex)).toMatch(/^30 59 30 13 06 07 2A 86 48 CE 3D 02 01/);
});

it('numbers the dataset as the tool reads it, an integer: the OCPP 1.6 transaction id, else 1', () => {
  expect(['CP-1-0042', 'CP-7-12', 'SIM-3a-9f2c-b7e1', 'solo'].map(datasetNumber)).toEqual(['42', '12', '1', '1']);
});

it('numbers a 2.0.1 session whose transaction id is a UUID 1, also when the UUID ends in digits only', () => {
  expect(['SIM-0001-550e8400-e29b-41d4-a716-446655440000', 'SIM-0001-3f0c2a9e-7b1d-4c8e-9a2f-0d4be1c7a9f3', 'CP-201-77'].map(datasetNumber)).toEqual(['1', '1', '77']);
});

it('escapes what XML must escape in a record, and keeps the JSON quotes as the tool\'s own files do', () => {
  const xml = transparencyXml({ sessionId: 'a"b', records: ['OCMF|{"ID":"<&>"}|{}'], publicKey: meter.publicKey });
  expect(xml).toContain('<value transactionId="1" context="Transaction.Begin">');
  expect(xml).toContain('<signedData format="OCMF" encoding="plain">OCMF|{"ID":"&lt;&amp;&gt;"}|{}</signedData>');
});
