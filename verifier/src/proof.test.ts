import { parseProof, PROOF_FORMAT } from './proof';

const valid = {
  format: PROOF_FORMAT, ledger: 'fabric', channel: 'chargeledger', chaincode: 'chargeledger', sessionId: 'S-1', transactionId: 'ab', configBlock: 0,
  blocks: [{ number: 0, servedBy: 'operators', bytes: '' }], ocmfRecords: [], gatheredAt: '2026-12-02T00:00:00Z',
};

it('reads a proof file', () => {
  expect(parseProof(JSON.stringify(valid))).toEqual(valid);
});

it.each([
  ['not JSON', '{', /^the proof is not JSON/],
  ['another format', JSON.stringify({ ...valid, format: 'x' }), /^format must be chargeledger.receipt-proof\/1, not x$/],
  ['an unknown ledger', JSON.stringify({ ...valid, ledger: 'sql' }), /^ledger must be fabric or embedded$/],
  ['no session', JSON.stringify({ ...valid, sessionId: '' }), /^sessionId must be a non-empty string$/],
  ['no blocks', JSON.stringify({ ...valid, blocks: [] }), /^blocks must be a non-empty array$/],
  ['a block without bytes', JSON.stringify({ ...valid, blocks: [{ number: 1, servedBy: 'x' }] }), /^blocks\[0\] must have a number, servedBy and base64 bytes$/],
  ['records that are not strings', JSON.stringify({ ...valid, ocmfRecords: [1] }), /^ocmfRecords must be an array of strings$/],
])('refuses %s with the reason', (_case, text, reason) => {
  expect(() => parseProof(text)).toThrow(reason);
});
