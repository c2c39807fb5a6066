describe('the contracts the embedded ledger runs under test', () => {
  it('come from their source in the tree, not from a build that may be stale', () => {
    expect(require.resolve('@chargeledger/chaincode')).toMatch(/chaincode[\\/]src[\\/]index\.ts$/);
  });
});
