import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Receipt } from '@chargeledger/chaincode/api';
import { repositoryRoot } from '@chargeledger/config';
import { EmbeddedGatewayClient } from '@chargeledger/embedded-ledger';
import { type ChargingLedger, connectAs, readNetworkDescription } from '@chargeledger/ledger-client';
import { isolatedEnvironment } from '../../support/isolated-stack';

const run = promisify(execFile);

/** Added to every port of config/defaults.env: a block no other stack of this machine's tests uses. */
const PORT_OFFSET = 11_500;
const fabricBin = process.env['FABRIC_BIN'] ?? '/opt/fabric/bin';
const withFabric = existsSync(path.join(fabricBin, 'peer'));

interface StackLedger {
  readonly wallets: ChargingLedger;
  readonly operators: { readonly 'op-1': ChargingLedger; readonly 'op-2': ChargingLedger };
  close(): void;
}

/** The ledger as each organization reads it with its own identity, from the stack's data folder. */
async function stackLedger(kind: 'embedded' | 'fabric', dataDir: string, env: Readonly<Record<string, string>>): Promise<StackLedger> {
  if (kind === 'embedded') {
    const url = `http://127.0.0.1:${env['EMBEDDED_LEDGER_PORT']}`;
    const key = (organization: string): string => readFileSync(path.join(dataDir, 'secrets', 'embedded-ledger', `${organization}-key`), 'utf8').trim();
    return {
      wallets: new EmbeddedGatewayClient({ url, key: key('wallets'), identity: { mspId: 'WalletsMSP' } }),
      operators: {
        'op-1': new EmbeddedGatewayClient({ url, key: key('operators'), identity: { mspId: 'OperatorsMSP', attributes: { 'chargeledger.operatorId': 'op-1' } } }),
        'op-2': new EmbeddedGatewayClient({ url, key: key('operators2'), identity: { mspId: 'Operators2MSP', attributes: { 'chargeledger.operatorId': 'op-2' } } }),
      },
      close: () => undefined,
    };
  }
  const description = await readNetworkDescription(path.join(dataDir, 'fabric', 'network.json'));
  const connections = [await connectAs(description, 'wallets', 'wallet-service'), await connectAs(description, 'operators', 'bridge'), await connectAs(description, 'operators2', 'bridge')] as const;
  return {
    wallets: connections[0].ledger,
    operators: { 'op-1': connections[1].ledger, 'op-2': connections[2].ledger },
    close: () => connections.forEach((connection) => connection.close()),
  };
}

/** The pid files of what the stack's scripts started and that still runs. */
function runningProcesses(dataDir: string): string[] {
  const runDir = path.join(dataDir, 'run');
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .filter((file) => file.endsWith('.pid'))
    .filter((file) => {
      try {
        process.kill(Number(readFileSync(path.join(runDir, file), 'utf8').trim()), 0);
        return true;
      } catch {
        return false;
      }
    });
}

describe.each([
  ['embedded', true],
  ['fabric', withFabric],
] as const)('npm start on the %s ledger', (kind, available) => {
  const describeIf = available ? describe : describe.skip;
  describeIf(available ? 'two operators, each its own organization' : `skipped: no Fabric binaries in ${fabricBin}`, () => {
    const dataDir = `.data-npm-start-${kind}`;
    const absoluteDataDir = path.join(repositoryRoot, dataDir);
    const env = { ...process.env, ...isolatedEnvironment({ dataDir, portOffset: PORT_OFFSET, settings: { CHARGELEDGER_LEDGER: kind, LOG_LEVEL: 'info' } }) } as Record<string, string>;
    let output = '';

    beforeAll(async () => {
      rmSync(absoluteDataDir, { recursive: true, force: true });
      try {
        output = (await run('bash', [path.join(repositoryRoot, 'scripts', 'start.sh')], { env, cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024, timeout: 20 * 60_000 })).stdout;
      } catch (error) {
        output = `${(error as { stdout?: string }).stdout ?? ''}\n${(error as { stderr?: string }).stderr ?? ''}`;
      }
    }, 21 * 60_000);

    afterAll(async () => {
      await run('bash', [path.join(repositoryRoot, 'scripts', 'stop.sh')], { env, cwd: repositoryRoot, timeout: 5 * 60_000 });
      expect(runningProcesses(absoluteDataDir)).toEqual([]);
      rmSync(absoluteDataDir, { recursive: true, force: true });
    }, 6 * 60_000);

    it("charges one driver at each operator's station, through that operator's own CSMS, and pays each operator for its own session only", async () => {
      expect(output).toContain("each operator was paid for its own session");
      const sessions = [...output.matchAll(/^session (DEMO2?-CP-1-\d+) started/gm)].map((match) => match[1] as string);
      expect(sessions).toEqual([expect.stringMatching(/^DEMO-CP-1-/), expect.stringMatching(/^DEMO2-CP-1-/)]);
      const ledger = await stackLedger(kind, absoluteDataDir, env);
      try {
        const ofOp1: Receipt = await ledger.operators['op-1'].evaluate('Session:getReceipt', { sessionId: sessions[0] as string });
        const ofOp2: Receipt = await ledger.operators['op-2'].evaluate('Session:getReceipt', { sessionId: sessions[1] as string });
        expect([ofOp1.stationId, ofOp2.stationId]).toEqual(['DEMO-CP-1', 'DEMO2-CP-1']);
        expect(ofOp1.charged).toBeGreaterThan(0);
        expect(ofOp2.charged).toBeGreaterThan(0);
        // A fresh data folder: each payee account holds exactly its own operator's session.
        const balance = async (accountId: string): Promise<number> => (await ledger.wallets.evaluate('Wallet:getAccount', { accountId })).balance;
        expect(await balance('payee-DEMO-CP-1')).toBe(ofOp1.charged);
        expect(await balance('payee-DEMO2-CP-1')).toBe(ofOp2.charged);
        expect(await balance('driver-demo')).toBe(5000 - ofOp1.charged - ofOp2.charged);
      } finally {
        ledger.close();
      }
    });

    it("runs the second operator's CSMS, ledger bridge and Operators' service as processes of their own", () => {
      expect(runningProcesses(absoluteDataDir)).toEqual(expect.arrayContaining(['csms.pid', 'csms-operators2.pid', 'ledger-bridge.pid', 'ledger-bridge-operators2.pid', 'participants-operators.pid', 'participants-operators2.pid']));
      // Its bridge settled the second operator's session from its own queues; the first operator's bridge settled none of its events.
      const applied = (name: string): string[] =>
        readFileSync(path.join(absoluteDataDir, 'logs', `${name}.log`), 'utf8')
          .split('\n')
          .filter((line) => line.includes('"msg":"event applied to the ledger"'))
          .map((line) => /"(?:sessionId|chargerId|stationId)":"(DEMO2?-CP-1)[^"]*"/.exec(line)?.[1] ?? 'other');
      expect(new Set(applied('ledger-bridge-operators2'))).toEqual(new Set(['DEMO2-CP-1']));
      expect(new Set(applied('ledger-bridge'))).toEqual(new Set(['DEMO-CP-1']));
    });
  });
});
