import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChargePoint, createChargePoint, ManualClock, type OcppSecurity } from '@chargeledger/simulators';
import { issueTestPki } from '@chargeledger/simulators/testing';
import { type RPCClient, UnexpectedHttpResponse } from 'ocpp-rpc';
import { ocppClient } from '../../support/ocpp-client';
import { adminRequest, provisionCharger, type RunningCsms, startCsms } from '../support/csms';

const PASSWORD = 'a-long-charger-password';
const BOOT = { reason: 'PowerUp', chargingStation: { vendorName: 'Acme', model: 'AC22' } };

interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

interface TestCertificates {
  readonly ca: string;
  readonly server: KeyPair;
  /** Client certificates by the identity in their subject CN. */
  readonly clients: ReadonlyMap<string, KeyPair>;
}

/** One throwaway CA issuing a server certificate for 127.0.0.1 and a client certificate per identity, made with openssl. */
function issueCertificates(clientIdentities: readonly string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'chargeledger-csms-pki-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const read = (name: string): string => readFileSync(file(name), 'utf8');
  const issue = (name: string, subject: string, extensions: string): KeyPair => {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file(`${name}.key`));
    openssl('req', '-new', '-key', file(`${name}.key`), '-subj', subject, '-out', file(`${name}.csr`));
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-sha256', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`));
    return { key: read(`${name}.key`), cert: read(`${name}.crt`) };
  };
  try {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ca.key'));
    openssl('req', '-x509', '-new', '-key', file('ca.key'), '-sha256', '-days', '2', '-subj', '/CN=ChargeLedger CSMS Test CA', '-out', file('ca.crt'));
    const server = issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    const clients = new Map(clientIdentities.map((identity, i) => [identity, issue(`client-${i}`, `/CN=${identity}`, 'extendedKeyUsage=clientAuth\n')] as const));
    return { ca: read('ca.crt'), server, clients };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function clientCertificate(pki: TestCertificates, identity: string): KeyPair {
  const pair = pki.clients.get(identity);
  if (pair === undefined) throw new Error(`no client certificate was issued for ${identity}`);
  return pair;
}

async function expectRefusedAtHandshake(client: RPCClient): Promise<void> {
  const attempt = client.connect();
  await expect(attempt).rejects.toBeInstanceOf(UnexpectedHttpResponse);
  await expect(attempt).rejects.toMatchObject({ code: 401 });
}

describe('a CSMS serving TLS: security profiles 2 and 3', () => {
  const pki = issueCertificates(['CP-P3', 'CP-OTHER']);
  // A CA of its own, unknown to the CSMS, certifying the right identity.
  const foreign = issueTestPki('CP-P3');
  let running: RunningCsms;
  const opened: { close(): Promise<unknown> }[] = [];

  const charger = (options: { identity: string; password?: string; certificate?: KeyPair }): RPCClient => {
    const client = ocppClient({
      endpoint: running.ocppEndpoint,
      identity: options.identity,
      protocols: ['ocpp2.0.1'],
      strictMode: true,
      reconnect: false,
      ...(options.password === undefined ? {} : { password: options.password }),
      wsOpts: { ca: pki.ca, ...options.certificate },
    });
    opened.push({ close: () => client.close({ force: true }) });
    return client;
  };

  beforeEach(async () => {
    running = await startCsms({ tls: { key: pki.server.key, cert: pki.server.cert, clientCa: pki.ca, serverCa: pki.ca } });
    await provisionCharger(running, 'CP-P1', PASSWORD);
    await provisionCharger(running, 'CP-P2', { securityProfile: 2, password: PASSWORD });
    await provisionCharger(running, 'CP-P3', { securityProfile: 3 });
    await provisionCharger(running, 'CP-OTHER', { securityProfile: 3 });
  });

  afterEach(async () => {
    for (const thing of opened.splice(0).reverse()) await thing.close();
    await running.stop();
  });

  it('accepts a profile 2 charger with its password over wss, the charger trusting the CSMS by its CA', async () => {
    const client = charger({ identity: 'CP-P2', password: PASSWORD });
    await client.connect();
    expect(running.ocppEndpoint.startsWith('wss://')).toBe(true);
    expect(await client.call('BootNotification', BOOT)).toMatchObject({ status: 'Accepted' });
  });

  it('refuses a profile 2 charger with a wrong password', async () => {
    await expectRefusedAtHandshake(charger({ identity: 'CP-P2', password: 'not-the-password-at-all' }));
  });

  it('refuses a profile 2 charger presenting a trusted certificate for another identity, even with the right password', async () => {
    await expectRefusedAtHandshake(charger({ identity: 'CP-P2', password: PASSWORD, certificate: clientCertificate(pki, 'CP-OTHER') }));
  });

  it('accepts a profile 3 charger by its client certificate alone, without a password', async () => {
    const client = charger({ identity: 'CP-P3', certificate: clientCertificate(pki, 'CP-P3') });
    await client.connect();
    expect(await client.call('BootNotification', BOOT)).toMatchObject({ status: 'Accepted' });
  });

  it('refuses a profile 3 charger presenting a trusted certificate issued to another identity', async () => {
    await expectRefusedAtHandshake(charger({ identity: 'CP-P3', certificate: clientCertificate(pki, 'CP-OTHER') }));
  });

  it('refuses a profile 3 charger without a certificate, with or without a password', async () => {
    await expectRefusedAtHandshake(charger({ identity: 'CP-P3' }));
    await expectRefusedAtHandshake(charger({ identity: 'CP-P3', password: PASSWORD }));
  });

  it('refuses a certificate naming the charger but issued by a CA the CSMS does not trust', async () => {
    await expectRefusedAtHandshake(charger({ identity: 'CP-P3', certificate: { key: foreign.clientKey, cert: foreign.clientCert } }));
  });

  it('accepts a profile 1 charger over TLS, the provisioned profile being the weakest accepted', async () => {
    const client = charger({ identity: 'CP-P1', password: PASSWORD });
    await client.connect();
    expect(await client.call('BootNotification', BOOT)).toMatchObject({ status: 'Accepted' });
  });

  it('serves the admin API on the same TLS listener, listing each charger with its profile', async () => {
    const response = await adminRequest(running, 'GET', '/api/chargers');
    expect(response.status).toBe(200);
    const listed = (JSON.parse(response.body) as { identity: string; securityProfile: number }[]).map(({ identity, securityProfile }) => ({ identity, securityProfile }));
    expect(listed).toEqual([
      { identity: 'CP-OTHER', securityProfile: 3 },
      { identity: 'CP-P1', securityProfile: 1 },
      { identity: 'CP-P2', securityProfile: 2 },
      { identity: 'CP-P3', securityProfile: 3 },
    ]);
  });

  describe.each([
    ['1.6', 'CP-P2', (): OcppSecurity => ({ profile: 2, password: PASSWORD, ca: pki.ca })],
    ['2.0.1', 'CP-P3', (): OcppSecurity => ({ profile: 3, ca: pki.ca, ...clientCertificate(pki, 'CP-P3') })],
  ] as const)('the charge point simulator (OCPP %s)', (protocol, identity, security) => {
    it(`registers as ${identity} and goes online`, async () => {
      const cp: ChargePoint = createChargePoint({
        protocol,
        identity,
        endpoint: running.ocppEndpoint,
        security: security(),
        template: 'homebox-ac11',
        clock: new ManualClock(Date.parse('2026-11-24T08:00:00Z')),
        backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 },
      });
      opened.push(cp);
      expect(await cp.connect()).toBe('Accepted');
      expect(cp.online).toBe(true);
      expect(running.csms.ocpp.connectedIdentities()).toEqual([identity]);
    });
  });
});

describe('a CSMS serving TLS without a client CA', () => {
  const pki = issueCertificates(['CP-P3']);

  it('cannot verify profile 3 and refuses such a charger, while profile 2 works', async () => {
    const running = await startCsms({ tls: { key: pki.server.key, cert: pki.server.cert, clientCa: undefined, serverCa: pki.ca } });
    const client = (identity: string, extra: { password?: string; certificate?: KeyPair }): RPCClient =>
      ocppClient({ endpoint: running.ocppEndpoint, identity, protocols: ['ocpp2.0.1'], reconnect: false, ...(extra.password === undefined ? {} : { password: extra.password }), wsOpts: { ca: pki.ca, ...extra.certificate } });
    const p2 = client('CP-P2', { password: PASSWORD });
    try {
      await provisionCharger(running, 'CP-P2', { securityProfile: 2, password: PASSWORD });
      await provisionCharger(running, 'CP-P3', { securityProfile: 3 });
      await expectRefusedAtHandshake(client('CP-P3', { certificate: clientCertificate(pki, 'CP-P3') }));
      await p2.connect();
    } finally {
      await p2.close({ force: true });
      await running.stop();
    }
  });
});

describe('a CSMS on plain HTTP', () => {
  let running: RunningCsms;
  const opened: RPCClient[] = [];
  const charger = (identity: string, password: string): RPCClient => {
    const client = ocppClient({ endpoint: running.ocppEndpoint, identity, password, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    opened.push(client);
    return client;
  };

  beforeEach(async () => {
    running = await startCsms();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => client.close({ force: true })));
    await running.stop();
  });

  it('refuses chargers provisioned for profile 2 or 3 over ws, even with the right password', async () => {
    await provisionCharger(running, 'CP-P1', PASSWORD);
    await provisionCharger(running, 'CP-P2', { securityProfile: 2, password: PASSWORD });
    await provisionCharger(running, 'CP-P3', { securityProfile: 3 });

    await expectRefusedAtHandshake(charger('CP-P2', PASSWORD));
    await expectRefusedAtHandshake(charger('CP-P3', PASSWORD));
    await charger('CP-P1', PASSWORD).connect();
  });

  it('provisions a password for profiles 1 and 2 only, and nothing but profiles 1 to 3', async () => {
    const provision = (body: object): Promise<number> => adminRequest(running, 'POST', '/api/chargers', body).then((response) => response.status);
    expect(await provision({ identity: 'CP-A', securityProfile: 3, password: PASSWORD })).toBe(400);
    expect(await provision({ identity: 'CP-B', securityProfile: 2 })).toBe(400);
    expect(await provision({ identity: 'CP-C' })).toBe(400);
    expect(await provision({ identity: 'CP-D', securityProfile: 4, password: PASSWORD })).toBe(400);
    expect(await provision({ identity: 'CP-E', securityProfile: 3 })).toBe(201);
    const listed = JSON.parse((await adminRequest(running, 'GET', '/api/chargers')).body) as { identity: string }[];
    expect(listed.map((c) => c.identity)).toEqual(['CP-E']);
  });
});
