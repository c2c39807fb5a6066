import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Outcome } from '@chargeledger/ledger-bridge';
import { Hosts, privateKeyOwners } from './support/hosts';

/**
 * The consortium as separate companies: each organization is a host of its own (a network namespace with its
 * own address, hostname and data folder, no route out), runs network/scripts/org.sh there, and hands the others
 * only public files through an exchange folder. The four founders make their keys, export their public
 * material, found the channel (SmartBFT, one orderer each), and approve and run the chaincode; sessions settle
 * through the Operators' peer; a fifth organization (a second charging operator) joins the live channel with
 * the admins' signatures collected as files while sessions keep settling, and its peer endorses; one orderer
 * is killed and brought back. Then every host's folder is searched for private keys: each is its own.
 */

const FOUNDERS = ['operators', 'prosumers', 'wallets', 'authority'] as const;
const MSP: Readonly<Record<string, string>> = { operators: 'OperatorsMSP', prosumers: 'ProsumersMSP', wallets: 'WalletsMSP', authority: 'AuthorityMSP', operators2: 'Operators2MSP' };
const JOINER = 'operators2';
/** Generous limits: the suite shares a 2-core machine with whatever else runs, and a slow step is not a failure. */
const EIGHT_MINUTES = 8 * 60_000;

/** What the suite reads of a channel configuration decoded by configtxlator. */
interface ChannelConfigJson {
  readonly channel_group: {
    readonly groups: {
      readonly Application: { readonly groups: Readonly<Record<string, { readonly values: { readonly MSP: { readonly value: { readonly config: { readonly root_certs: readonly string[] } } } } }>> };
      readonly Orderer: { readonly values: { readonly Orderers: { readonly value: { readonly consenter_mapping: readonly { readonly msp_id: string; readonly server_tls_cert: string }[] } } } };
    };
  };
}

type Settled = Extract<Outcome, { kind: 'session-settled' }>;
const settledOf = (outcomes: readonly Outcome[]): Settled[] => outcomes.filter((o): o is Settled => o.kind === 'session-settled');

/** Sessions applied twice (each end redelivered): distinct ids, and the second answer equal to the first. */
function audit(outcomes: readonly Outcome[]): { sessions: number; charged: number; notSettled: Outcome[]; redeliveredDiffers: string[] } {
  const first = new Map<string, Settled>();
  const redeliveredDiffers: string[] = [];
  for (const outcome of settledOf(outcomes)) {
    const seen = first.get(outcome.sessionId);
    if (seen === undefined) first.set(outcome.sessionId, outcome);
    else if (seen.charged !== outcome.charged || seen.energyWh !== outcome.energyWh) redeliveredDiffers.push(outcome.sessionId);
  }
  return { sessions: first.size, charged: [...first.values()].reduce((sum, o) => sum + o.charged, 0), notSettled: outcomes.filter((o) => o.kind !== 'session-settled'), redeliveredDiffers };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * The whole suite on hosts joined directly (delayMs 0) or through relays adding delayMs one way. With
 * `changes`, also what changes the consortium after the join (the second operator's admission, certificate
 * rotations, a removal): the WAN run leaves them out, to keep the project within minutes on a shared machine.
 */
function consortiumSuite(title: string, delayMs: number, { changes }: { readonly changes: boolean }): void {
  describe(title, () => {
    // Made in beforeAll: a suite that jest skips (-t) leaves nothing behind.
    const dataRoot = path.join(tmpdir(), `chargeledger-multihost-${randomBytes(4).toString('hex')}`);
    const exchange = path.join(dataRoot, 'exchange');
    const hosts = new Hosts(dataRoot, [...FOUNDERS, JOINER], delayMs);
    const pub = (name: string): string => path.join(exchange, name);

    let driver: { accountId: string; idToken: string };
    let stationId: string;
    let sessionsSoFar = 0;
    let chargedSoFar = 0;
    let joinReport: { outcomes: Outcome[]; heightBefore: number; heightAfter: number; joinedAtMs: number; streamMs: number };

    async function heights(names: readonly string[]): Promise<number[]> {
      return Promise.all(names.map(async (name) => Number((await hosts.org(name, ['height'])).trim())));
    }

    /** The channel's latest configuration as an organization's admin fetches it from its orderer. */
    async function channelConfig(name: string): Promise<ChannelConfigJson> {
      const block = path.join(hosts.dataDir(name), 'fabric', 'latest-config.block');
      await hosts.org(name, ['fetch-block', 'config', block]);
      const json = `${block}.json`;
      const decoded = await hosts.on(name, ['configtxlator', 'proto_decode', '--type', 'common.Block', '--input', block, '--output', json], { PATH: `${process.env['FABRIC_BIN'] ?? '/opt/fabric/bin'}:${process.env['PATH'] ?? ''}` });
      if (decoded.code !== 0) throw new Error(`decoding the configuration failed: ${decoded.stderr}`);
      return (JSON.parse(readFileSync(json, 'utf8')) as { data: { data: [{ payload: { data: { config: ChannelConfigJson } } }] } }).data.data[0].payload.data.config;
    }

    async function settle(count: number): Promise<Outcome[]> {
      const { outcomes } = await hosts.party<{ outcomes: Outcome[] }>('operators', 'bridge', 'settle', { stationId, idToken: driver.idToken, first: sessionsSoFar + 1, count });
      return outcomes;
    }

    function remember(outcomes: readonly Outcome[]): void {
      const { sessions, charged } = audit(outcomes);
      sessionsSoFar += sessions;
      chargedSoFar += charged;
    }

    beforeAll(async () => {
      mkdirSync(dataRoot, { mode: 0o700 });
      await hosts.up();
      // Each company on its own host: its CA, then its peer, orderer, admin and chaincode identities; then its processes.
      await Promise.all(FOUNDERS.map((name) => hosts.org(name, ['init', name, MSP[name] as string, hosts.hostname(name), 'orderer'])));
      await Promise.all(FOUNDERS.map((name) => hosts.org(name, ['start'])));
      for (const name of FOUNDERS) await hosts.org(name, ['export', pub(name)]);
      // The convener (here the Authority) makes the first block from the four public folders; each joins with it.
      await hosts.org('authority', ['create-channel', path.join(exchange, 'genesis.block'), ...FOUNDERS.map(pub)]);
      for (const name of FOUNDERS) await hosts.org(name, ['join-orderer', path.join(exchange, 'genesis.block')]);
      for (const name of FOUNDERS) await hosts.org(name, ['join-peer', path.join(exchange, 'genesis.block')]);
      await Promise.all(FOUNDERS.map((name) => hosts.org(name, ['chaincode', '1'])));
      await hosts.org('operators', ['commit', '1', ...FOUNDERS.map(pub)]);
      await hosts.org('operators', ['enroll', 'bridge', 'chargeledger.operatorId=op-1']);
      await hosts.org('wallets', ['enroll', 'wallet-service']);
      await hosts.org('authority', ['enroll', 'metering-authority']);
      // The consortium admits op-1, bound to the Operators' organization, before anything is done in its name.
      await hosts.party('authority', 'metering-authority', 'admit-operator', { operatorId: 'op-1', mspId: MSP['operators'] });
    }, EIGHT_MINUTES);

    afterAll(async () => {
      await hosts.down();
      // CHARGELEDGER_KEEP_MULTIHOST=1 keeps the hosts' folders (their logs) to look into after a failure.
      if (process.env['CHARGELEDGER_KEEP_MULTIHOST'] !== '1') rmSync(dataRoot, { recursive: true, force: true });
    }, 60_000);

    it('founds one channel from four hosts, every peer at the same height', async () => {
      // Over the relays, a host reaches the others only at their relay addresses.
      const wallets = (await hosts.on('operators', ['getent', 'hosts', hosts.hostname('wallets')])).stdout.split(/\s+/)[0];
      expect(wallets).toBe(delayMs > 0 ? '10.77.1.3' : '10.77.0.3');
      const founded = await heights(FOUNDERS);
      expect(new Set(founded).size).toBe(1);
      expect(founded[0]).toBeGreaterThanOrEqual(2);
      const configtx = readFileSync(path.join(hosts.dataDir('authority'), 'fabric/channel/configtx.yaml'), 'utf8');
      expect(configtx).toContain('OrdererType: BFT');
      for (const name of FOUNDERS) expect(configtx).toContain(`MSPID: ${MSP[name] as string}, Identity: ${pub(name)}/orderer/identity.pem`);
    }, 120_000);

    it('settles sessions through the Operators\' peer, each once, and every organization reads the receipt', async () => {
      ({ driver } = await hosts.party<{ driver: { accountId: string; idToken: string }; payeeAccountId: string }>('wallets', 'wallet-service', 'wallets-setup').then(async (w) => {
        ({ stationId } = await hosts.party<{ stationId: string }>('operators', 'bridge', 'operator-setup', { payeeAccountId: w.payeeAccountId }));
        await hosts.party('authority', 'metering-authority', 'authority-setup', { stationId });
        return w;
      }));
      const outcomes = await settle(3);
      const { sessions, charged, notSettled, redeliveredDiffers } = audit(outcomes);
      expect(notSettled).toEqual([]);
      expect(redeliveredDiffers).toEqual([]);
      expect(sessions).toBe(3);
      remember(outcomes);
      const sessionId = `${stationId}-1`;
      const atWallets = await hosts.party<{ receipt: { charged: number; txId: string } }>('wallets', 'wallet-service', 'session', { sessionId });
      const atAuthority = await hosts.party<{ receipt: { charged: number; txId: string } }>('authority', 'metering-authority', 'session', { sessionId });
      expect(atWallets.receipt).toEqual(atAuthority.receipt);
      expect(atWallets.receipt.charged).toBe((settledOf(outcomes)[0] as Settled).charged);
      const account = await hosts.party<{ debited: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
      expect(account.debited).toBe(charged);
    }, 300_000);

    it('a driver charges through the CSMS on the Operators\' host, and `npm run verify` on the Wallets\' host says VERIFIED', async () => {
      // The operator's site: Redis, the CSMS and the bridge against its own peer, a simulated charger over OCPP.
      const chargerId = `${stationId}-CP`;
      const { payeeAccountId } = await hosts.party<{ payeeAccountId: string }>('wallets', 'wallet-service', 'open-payee', { operatorId: 'op-1' });
      await hosts.party('operators', 'bridge', 'operator-setup', { payeeAccountId, stationId: chargerId });
      const meterFile = path.join(exchange, 'charger-meter.json');
      const goFile = path.join(exchange, 'charger-meter-registered');
      const recordsFile = path.join(exchange, 'charger-session-records.json');
      const site = hosts.siteInBackground('operators', { stationId: chargerId, idToken: driver.idToken, accountId: driver.accountId, meterFile, goFile, recordsFile });
      // The Authority registers the charger's meter with the public key the operator sends it.
      for (let i = 0; i < 600 && !existsSync(meterFile); i++) await sleep(500);
      const meter = JSON.parse(readFileSync(meterFile, 'utf8')) as { meterSerial: string; publicKey: string };
      await hosts.party('authority', 'metering-authority', 'register-meter', { stationId: chargerId, ...meter });
      writeFileSync(goFile, 'registered');
      const done = await site.done;
      expect({ code: done.code, stderr: done.code === 0 ? '' : done.stderr }).toEqual({ code: 0, stderr: '' });
      const session = JSON.parse(done.stdout.trim().split('\n').pop() as string) as { sessionId: string; charged: number; energyWh: number; records: number };
      expect(session.charged).toBeGreaterThan(0);
      expect(session.records).toBeGreaterThanOrEqual(2);
      chargedSoFar += session.charged;

      // The driver's verifier on the Wallets' host: its own identity and peer, the Operators' peer known from
      // its public material, the signed records as a file from the operator.
      await hosts.org('wallets', ['know', pub('operators')]);
      const verify = await hosts.on('wallets', [process.execPath, '--import', 'tsx', 'verifier/src/cli.ts', session.sessionId, '--ledger', 'fabric', '--peers', 'wallets,operators', '--identity', 'wallets/wallet-service', '--records', recordsFile], {}, 180_000);
      expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
      expect(verify.stdout).toMatch(new RegExp(`^VERIFIED: the receipt of session ${session.sessionId} holds\\.`));
      // SmartBFT names each block's signers by consenter id; the verifier finds them in the consenter mapping.
      expect(verify.stdout).toMatch(/ok +the ordering service signed each block: .*as the BlockValidation policy asks: 3 of the 4 consenters/);
      const account = await hosts.party<{ debited: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
      expect(account.debited).toBe(chargedSoFar);
    }, 600_000);

    it('adds a fifth organization with a majority of the admins\' signatures as files while sessions settle: none lost, none doubled', async () => {
      const stopFile = path.join(dataRoot, 'stop-settling');
      const progressFile = path.join(dataRoot, 'settling-progress');
      const [heightBefore] = await heights(['operators']);
      const streamStarted = Date.now();
      const stream = hosts.partyInBackground('operators', 'bridge', 'settle', { stationId, idToken: driver.idToken, first: sessionsSoFar + 1, stopFile, progressFile });

      // The new company, on its own host: its keys, its peer (no orderer), its public material.
      await hosts.org(JOINER, ['init', JOINER, MSP[JOINER] as string, hosts.hostname(JOINER), 'no-orderer']);
      await hosts.org(JOINER, ['start']);
      await hosts.org(JOINER, ['export', pub(JOINER)]);
      // A member proposes the update; the admins read it and sign on their own hosts; signatures cross as files.
      const envelope = path.join(exchange, 'join-operators2.pb');
      await hosts.org('operators', ['propose-join', pub(JOINER), envelope]);
      const described = JSON.parse(await hosts.org('wallets', ['describe', envelope])) as { adds: string[] };
      expect(described.adds).toEqual(['Operators2MSP']);
      const signature = (name: string): string => path.join(exchange, `join-operators2.${name}.sig`);
      await hosts.org('prosumers', ['sign', envelope, signature('prosumers')]);
      // Two of four (the proposer's own and one more) are not a majority: the channel refuses the update.
      await expect(hosts.org('operators', ['submit', envelope, signature('prosumers')])).rejects.toThrow(/requires 3 of the 'Admins' sub-policies/);
      await hosts.org('wallets', ['sign', envelope, signature('wallets')]);
      await hosts.org('operators', ['submit', envelope, signature('prosumers'), signature('wallets')]);

      // The new peer joins from block 0, fetched from a founder's orderer, and replays the whole chain itself.
      const ordererOf = { ORG_ORDERER_ENDPOINT: `${hosts.hostname('authority')}:7050`, ORG_ORDERER_TLSCA: path.join(pub('authority'), 'tlsca.pem') };
      const block0 = path.join(hosts.dataDir(JOINER), 'fabric', 'block0.block');
      await hosts.org(JOINER, ['fetch-block', '0', block0], ordererOf);
      await hosts.org(JOINER, ['join-peer', block0], ordererOf);
      await hosts.org(JOINER, ['chaincode', '1'], ordererOf);
      const joinedAtMs = Date.now() - streamStarted;
      // Sessions go on settling a little longer with five organizations on the channel, then the stream stops.
      const progressAtJoin = existsSync(progressFile) ? Number(readFileSync(progressFile, 'utf8')) : 0;
      for (let i = 0; i < 120; i++) {
        const progress = existsSync(progressFile) ? Number(readFileSync(progressFile, 'utf8')) : 0;
        if (progress >= progressAtJoin + 4) break;
        await sleep(500);
      }
      writeFileSync(stopFile, 'stop');
      const done = await stream.done;
      expect({ code: done.code, stderr: done.code === 0 ? '' : done.stderr }).toEqual({ code: 0, stderr: '' });
      const { outcomes, settleMs } = JSON.parse(done.stdout.trim()) as { outcomes: Outcome[]; settleMs: number[] };
      const [heightAfter] = await heights(['operators']);
      joinReport = { outcomes, heightBefore: heightBefore as number, heightAfter: heightAfter as number, joinedAtMs, streamMs: Date.now() - streamStarted };
      process.stdout.write(`${title}: ${audit(outcomes).sessions} sessions settled in ${joinReport.streamMs} ms while the fifth organization joined (in ${joinedAtMs} ms); height ${heightBefore} -> ${heightAfter}; a session's open and settlement took ${median(settleMs)} ms (median)\n`);

      const { sessions, charged, notSettled, redeliveredDiffers } = audit(outcomes);
      expect(notSettled).toEqual([]);
      expect(redeliveredDiffers).toEqual([]);
      expect(sessions).toBeGreaterThanOrEqual(4);
      remember(outcomes);
      const account = await hosts.party<{ debited: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
      expect(account.debited).toBe(chargedSoFar);
      expect(charged).toBeGreaterThan(0);
    }, EIGHT_MINUTES);

    it('the fifth organization\'s peer catches up and endorses', async () => {
      for (let i = 0; i < 60; i++) {
        const [joiner, founder] = await heights([JOINER, 'operators']);
        if (joiner === founder) break;
        await sleep(1_000);
      }
      const [joiner, founder] = await heights([JOINER, 'operators']);
      expect(joiner).toBe(founder);
      // Endorsed by exactly Wallets, the Authority and the new organization (3 of 5, a majority), read back at the new peer.
      const account = await hosts.party<{ balance: number; debited: number }>('wallets', 'wallet-service', 'endorsed-top-up', { accountId: driver.accountId, organizations: ['WalletsMSP', 'AuthorityMSP', 'Operators2MSP'] });
      expect(account.debited).toBe(chargedSoFar);
      const atWallets = await hosts.party<{ balance: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
      expect(account.balance).toBe(atWallets.balance);
    }, 180_000);

    if (changes) {
      it('the fifth organization is the second charging operator: admitted on the ledger, its station\'s sessions endorsed by its own peer', async () => {
        await hosts.org(JOINER, ['enroll', 'bridge', 'chargeledger.operatorId=op-2']);
        // Before the Authority admits op-2, nothing is done in its name.
        await expect(hosts.party(JOINER, 'bridge', 'operator-setup', { payeeAccountId: 'none' })).rejects.toThrow(/Operators2MSP acts for no admitted operator/);
        await hosts.party('authority', 'metering-authority', 'admit-operator', { operatorId: 'op-2', mspId: MSP[JOINER] as string });
        const { payeeAccountId } = await hosts.party<{ payeeAccountId: string }>('wallets', 'wallet-service', 'open-payee', { operatorId: 'op-2' });
        const { stationId: station2 } = await hosts.party<{ stationId: string }>(JOINER, 'bridge', 'operator-setup', { payeeAccountId });
        await hosts.party('authority', 'metering-authority', 'authority-setup', { stationId: station2 });
        const { outcomes } = await hosts.party<{ outcomes: Outcome[] }>(JOINER, 'bridge', 'settle', { stationId: station2, idToken: driver.idToken, first: 1, count: 2 });
        const { sessions, notSettled, redeliveredDiffers } = audit(outcomes);
        expect(notSettled).toEqual([]);
        expect(redeliveredDiffers).toEqual([]);
        expect(sessions).toBe(2);
        remember(outcomes);
        // Its settlement in the block: endorsed by its own peer, Wallets and the Authority, and by no other operator.
        const joiner = JSON.parse(readFileSync(path.join(pub(JOINER), 'org.json'), 'utf8')) as { mspId: string; host: string; peerPort: number };
        const otherPeer = { organization: JOINER, mspId: joiner.mspId, peerEndpoint: `${joiner.host}:${joiner.peerPort}`, hostAlias: joiner.host, tlsCaFile: path.join(pub(JOINER), 'tlsca.pem') };
        const verdict = await hosts.party<{ checks: { id: string; ok: boolean }[]; receipt?: { endorsedBy: string[]; charged: number } }>('wallets', 'wallet-service', 'verify-receipt', { sessionId: `${station2}-1`, otherPeer });
        expect(new Set(verdict.receipt?.endorsedBy)).toEqual(new Set(['Operators2MSP', 'WalletsMSP', 'AuthorityMSP']));
        expect(verdict.checks.filter((check) => !check.ok).map((check) => check.id)).toEqual(['meter-signatures']);
        const account = await hosts.party<{ debited: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
        expect(account.debited).toBe(chargedSoFar);
      }, 300_000);
    }

    it('goes on settling with one orderer of four killed, and the orderer catches up once restarted', async () => {
      process.kill(hosts.pidOf('prosumers', 'orderer'), 'SIGKILL');
      const whileDown = await settle(2);
      expect(audit(whileDown).notSettled).toEqual([]);
      expect(audit(whileDown).sessions).toBe(2);
      remember(whileDown);
      await hosts.org('prosumers', ['start']);
      const afterRestart = await settle(2);
      expect(audit(afterRestart).sessions).toBe(2);
      remember(afterRestart);
      const account = await hosts.party<{ debited: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
      expect(account.debited).toBe(chargedSoFar);
    }, 300_000);

    if (changes) {
      it('renews an orderer\'s TLS certificate in the consenter set with a majority of the orderer organizations\' admins', async () => {
        const envelope = path.join(exchange, 'orderer-tls-prosumers.pb');
        const signature = (name: string): string => path.join(exchange, `orderer-tls-prosumers.${name}.sig`);
        await hosts.org('prosumers', ['propose-orderer-tls', envelope]);
        await hosts.org('prosumers', ['sign', envelope, signature('prosumers')]);
        await hosts.org('wallets', ['sign', envelope, signature('wallets')]);
        // Another orderer organization submits: from the new block on, the other orderers refuse the renewed
        // orderer's old certificate, so it learns of the block only once it runs with the new one.
        await hosts.org('authority', ['submit', envelope, signature('prosumers'), signature('wallets')]);
        await hosts.org('prosumers', ['orderer-tls-switch']);
        const renewed = readFileSync(path.join(hosts.dataDir('prosumers'), 'fabric/orderer/tls/server.crt'));
        expect(renewed.equals(readFileSync(path.join(hosts.dataDir('prosumers'), 'fabric/orderer/tls-old/server.crt')))).toBe(false);
        const consenters = (await channelConfig('operators')).channel_group.groups.Orderer.values.Orderers.value.consenter_mapping;
        const prosumers = consenters.find((consenter) => consenter.msp_id === 'ProsumersMSP');
        expect(Buffer.from(prosumers?.server_tls_cert ?? '', 'base64').equals(renewed)).toBe(true);
        // Ordering through the renewed orderer while another is down is not shown yet: a settlement submitted then
        // was invalidated at commit (ENDORSEMENT_POLICY_FAILURE), which docs/consortium.md lists as open.
      }, 300_000);

      it('rotates an organization\'s CA: the new root beside the old, signed by its own admin alone; an identity of the new CA is accepted', async () => {
        const envelope = path.join(exchange, 'ca-wallets.pb');
        await hosts.org('wallets', ['propose-ca-rotation', envelope]);
        await hosts.org('wallets', ['enroll', 'wallet-service-2']);
        // Until the channel knows the new root, the channel refuses what its identities sign.
        await expect(hosts.party('wallets', 'wallet-service-2', 'account', { accountId: driver.accountId })).rejects.toThrow();
        await hosts.org('wallets', ['submit', envelope]);
        const roots = (await channelConfig('operators')).channel_group.groups.Application.groups['WalletsMSP']?.values.MSP.value.config.root_certs ?? [];
        expect(roots).toHaveLength(2);
        const account = await hosts.party<{ balance: number }>('wallets', 'wallet-service-2', 'endorsed-top-up', { accountId: driver.accountId, organizations: ['WalletsMSP', 'AuthorityMSP'] });
        const atOld = await hosts.party<{ balance: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
        expect(account.balance).toBe(atOld.balance);
      }, 300_000);

      it('removes the fifth organization with a majority of the admins\' signatures: its peer endorses no more', async () => {
        const envelope = path.join(exchange, 'remove-operators2.pb');
        const signature = (name: string): string => path.join(exchange, `remove-operators2.${name}.sig`);
        await hosts.org('authority', ['propose-removal', MSP[JOINER] as string, envelope]);
        await hosts.org('wallets', ['sign', envelope, signature('wallets')]);
        await hosts.org('prosumers', ['sign', envelope, signature('prosumers')]);
        await hosts.org('authority', ['submit', envelope, signature('wallets'), signature('prosumers')]);
        expect(Object.keys((await channelConfig('operators')).channel_group.groups.Application.groups).sort()).toEqual(['AuthorityMSP', 'OperatorsMSP', 'ProsumersMSP', 'WalletsMSP']);
        await expect(hosts.party('wallets', 'wallet-service', 'endorsed-top-up', { accountId: driver.accountId, organizations: ['WalletsMSP', 'AuthorityMSP', 'Operators2MSP'] })).rejects.toThrow();
        // The four go on settling.
        const outcomes = await settle(1);
        expect(audit(outcomes).sessions).toBe(1);
        remember(outcomes);
        const account = await hosts.party<{ debited: number }>('wallets', 'wallet-service', 'account', { accountId: driver.accountId });
        expect(account.debited).toBe(chargedSoFar);
      }, 300_000);
    }

    it('leaves every private key on the host of the organization whose CA issued it', () => {
      const foreign = (owners: ReturnType<typeof privateKeyOwners>, name: string): string[] => (owners.get(name) ?? []).filter((key) => key.owners.length !== 1 || key.owners[0] !== name).map((key) => key.file);
      const owners = privateKeyOwners(hosts);
      for (const name of hosts.names) {
        expect((owners.get(name) ?? []).length).toBeGreaterThanOrEqual(name === JOINER ? 4 : 5);
        expect(foreign(owners, name)).toEqual([]);
      }
      // The scan would see a key that crossed: the Authority's orderer TLS key copied onto the Operators' host.
      const planted = path.join(hosts.dataDir('operators'), 'fabric', 'crossed.key');
      writeFileSync(planted, readFileSync(path.join(hosts.dataDir('authority'), 'fabric/orderer/tls/server.key')));
      try {
        expect(foreign(privateKeyOwners(hosts), 'operators')).toEqual([planted]);
      } finally {
        rmSync(planted);
      }
    });
  });
}

consortiumSuite('a consortium of four hosts, and a fifth organization joining live', 0, { changes: true });
consortiumSuite('the same consortium with 25 ms one way between hosts', 25, { changes: false });
