import type { V201Actions } from '@chargeledger/ocpp-types';
import type { ChargePoint } from './api';
import { createChargePoint } from './create';
import { issueTestPki } from './testing/certificates';
import { CsmsDouble, type CsmsDoubleOptions } from './testing/csms-double';
import { aClock, anIdentity, FAST_RECONNECT } from './testing/builders';

describe('security profiles', () => {
  const opened: { close(): Promise<void> }[] = [];

  afterEach(async () => {
    for (const thing of opened.splice(0).reverse()) await thing.close();
  });

  async function csmsWith(options: Omit<CsmsDoubleOptions, 'protocol'>): Promise<CsmsDouble<V201Actions>> {
    const csms = await CsmsDouble.start<V201Actions>({ protocol: 'ocpp2.0.1', ...options });
    opened.push(csms);
    return csms;
  }

  function chargePoint(options: Omit<Parameters<typeof createChargePoint>[0], 'protocol' | 'template' | 'clock'>): ChargePoint {
    const cp = createChargePoint({ protocol: '2.0.1', template: 'homebox-ac11', clock: aClock(), backoff: FAST_RECONNECT, ...options });
    opened.push(cp);
    return cp;
  }

  it('profile 1: registers with the right basic-auth password and fails to connect with a wrong one', async () => {
    const csms = await csmsWith({ password: 'correct horse' });
    const good = chargePoint({ identity: anIdentity('SP1'), endpoint: csms.endpoint, password: 'correct horse' });
    const bad = chargePoint({ identity: anIdentity('SP1'), endpoint: csms.endpoint, password: 'battery staple' });

    expect(await good.connect()).toBe('Accepted');
    await expect(bad.connect()).rejects.toMatchObject({ name: 'ConnectionError' });
  });

  it('refuses a TLS profile with a ws:// endpoint', () => {
    expect(() => chargePoint({ identity: 'X', endpoint: 'ws://127.0.0.1:1/ocpp', security: { profile: 2, password: 'p', ca: 'x' } })).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', option: 'security' }),
    );
  });

  it('profile 2: basic auth over TLS, trusting the CSMS through the given CA', async () => {
    const identity = anIdentity('SP2');
    const pki = issueTestPki(identity);
    const csms = await csmsWith({ password: 'secret', tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requireClientCertificate: false } });
    const cp = chargePoint({ identity, endpoint: csms.endpoint, security: { profile: 2, password: 'secret', ca: pki.ca } });

    expect(await cp.connect()).toBe('Accepted');
    expect(csms.endpoint.startsWith('wss://')).toBe(true);
  });

  it('profile 3: mutual TLS with a client certificate naming the identity', async () => {
    const identity = anIdentity('SP3');
    const pki = issueTestPki(identity);
    const csms = await csmsWith({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requireClientCertificate: true } });
    const cp = chargePoint({ identity, endpoint: csms.endpoint, security: { profile: 3, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
    const impostor = chargePoint({ identity: anIdentity('SP3'), endpoint: csms.endpoint, security: { profile: 3, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });

    expect(await cp.connect()).toBe('Accepted');
    await expect(impostor.connect()).rejects.toMatchObject({ name: 'ConnectionError' });
  });
});
