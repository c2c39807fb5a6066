import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from '@chargeledger/config';

const run = promisify(execFile);
const networkSh = path.join(repositoryRoot, 'network', 'scripts', 'network.sh');

/** What `network.sh up` or `upgrade` tells the user when the Authority's admission of an operator fails with this output. */
async function advice(command: 'up' | 'upgrade', output: string): Promise<string> {
  return (await run('bash', [networkSh, 'admit-advice', command, output], { cwd: repositoryRoot })).stdout.trim();
}

// The peer CLI's own words when Registry:admitOperator meets a chaincode deployed before ADR 0038 and 0039.
const POLICY_FAILURE = 'Error: transaction invalidated with status (ENDORSEMENT_POLICY_FAILURE)';
const NO_SUCH_FUNCTION = 'Error: endorsement failure during invoke. response: status:500 message:"You\'ve asked to invoke a function that does not exist: Registry:admitOperator"';

describe('network.sh on a network made before operators had organizations of their own (migration, ADR 0038)', () => {
  it.each([
    ['its endorsement policy is the channel majority', POLICY_FAILURE],
    ['its chaincode has no Registry:admitOperator', NO_SUCH_FUNCTION],
  ])('tells `up` to run `network.sh upgrade` once when %s', async (_, output) => {
    const said = await advice('up', output);
    expect(said).toContain('network.sh upgrade');
    expect(said).toContain("AND('WalletsMSP.peer','AuthorityMSP.peer')");
    expect(said).toContain('the ledger is kept');
  });

  it('does not send the user round in circles: after an upgrade the same failure points at the log', async () => {
    const said = await advice('upgrade', POLICY_FAILURE);
    expect(said).not.toContain('run `bash network/scripts/network.sh upgrade`');
    expect(said).toContain('fabric-peer-cli.log');
  });

  it('does not blame the chaincode for a failure of another kind', async () => {
    expect(await advice('up', 'Error: failed to create deliver client for orderer: connection refused')).not.toContain('upgrade');
  });
});
