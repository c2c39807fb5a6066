import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly ca: string;
  readonly serverKey: string;
  readonly serverCert: string;
  readonly clientKey: string;
  readonly clientCert: string;
}

/**
 * A throwaway CA, a server certificate for 127.0.0.1 and a client certificate whose CN is the charge point identity,
 * issued with the openssl command (node:crypto cannot issue X.509 certificates by itself).
 */
export function issueTestPki(clientIdentity: string): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'chargeledger-pki-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  try {
    for (const name of ['ca', 'server', 'client']) openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file(`${name}.key`));
    openssl('req', '-x509', '-new', '-key', file('ca.key'), '-sha256', '-days', '2', '-subj', '/CN=ChargeLedger Test CA', '-out', file('ca.crt'));
    writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, subject] of [['server', '/CN=127.0.0.1'], ['client', `/CN=${clientIdentity}`]] as const) {
      openssl('req', '-new', '-key', file(`${name}.key`), '-subj', subject, '-out', file(`${name}.csr`));
      openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-sha256', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`));
    }
    const read = (name: string): string => readFileSync(file(name), 'utf8');
    return { ca: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'), clientKey: read('client.key'), clientCert: read('client.crt') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
