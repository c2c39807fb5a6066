import path from 'node:path';
import { ConfigError, loadConfig, repositoryRoot } from './load';
import { parseEnvFile } from './env-file';

describe('loadConfig', () => {
  it('reads the defaults file when the environment sets nothing', () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({ host: '127.0.0.1', port: 6390 });
    expect(config.ledger).toBe('auto');
    expect(config.fabric.gateway.peerEndpoint).toBe('127.0.0.1:7051');
    expect(config.fabric.networkFile).toBe(path.join(config.dataDir, 'fabric', 'network.json'));
  });

  it('gives each organization’s participants’ service its own loopback port and a folder under the data folder', () => {
    const config = loadConfig({ PARTICIPANTS_PROSUMERS_PORT: '9283', PARTICIPANTS_ORG: 'prosumers' });
    expect(() => loadConfig({ PARTICIPANTS_ORG: 'banks' })).toThrow(ConfigError);
    expect(config.participants).toEqual({ organization: 'prosumers', host: '127.0.0.1', ports: { wallets: 8281, operators: 8282, operators2: 8285, prosumers: 9283, authority: 8284 }, dataDir: path.join(config.dataDir, 'participants'), csms: { url: 'http://127.0.0.1:8180', keyFile: path.join(config.dataDir, 'secrets', 'csms-read-only-key'), recordsKeyFile: path.join(config.dataDir, 'secrets', 'csms-records-key') }, throttles: { signInPerAccount: 10, signInPerAddress: 30, signUpPerAddress: 20 }, stripe: undefined });
  });

  it('gives the second operator its own CSMS port, queue prefix and Operators’ service, and each bridge a folder of its own', () => {
    const config = loadConfig({ CSMS_OPERATORS2_PORT: '9181', BRIDGE_STATE_DIR: 'bridge-op-2' });
    expect(config.secondOperator).toEqual({ operatorId: 'op-2', mspId: 'Operators2MSP', csmsPort: 9181, queuePrefix: 'chargeledger-op-2' });
    expect(config.secondOperator.queuePrefix).not.toBe(config.queue.prefix);
    expect(config.participants.ports.operators2).not.toBe(config.participants.ports.operators);
    expect(config.bridge.stateDir).toBe(path.join(config.dataDir, 'bridge-op-2'));
    expect(loadConfig({ FABRIC_MSP_ID: 'Operators2MSP', PARTICIPANTS_ORG: 'operators2' }).fabric.gateway.mspId).toBe('Operators2MSP');
    expect(() => loadConfig({ BRIDGE_STATE_DIR: '../elsewhere' })).toThrow(ConfigError);
  });

  it('has the participants’ services read the CSMS where CSMS_HOST and CSMS_PORT say, unless a URL is given', () => {
    expect(loadConfig({ CSMS_HOST: 'csms', CSMS_PORT: '9180' }).participants.csms.url).toBe('http://csms:9180');
    expect(loadConfig({ CSMS_TLS_KEY_FILE: 'k.pem', CSMS_TLS_CERT_FILE: 'c.pem' }).participants.csms.url).toBe('https://127.0.0.1:8180');
    expect(loadConfig({ PARTICIPANTS_CSMS_URL: 'http://10.0.0.5:8180' }).participants.csms.url).toBe('http://10.0.0.5:8180');
    expect(loadConfig({ PARTICIPANTS_CSMS_KEY_FILE: '/run/secrets/csms-key' }).participants.csms.keyFile).toBe('/run/secrets/csms-key');
    expect(() => loadConfig({ PARTICIPANTS_CSMS_URL: 'csms:8180' })).toThrow(ConfigError);
  });

  it('lets the environment override a default', () => {
    expect(loadConfig({ REDIS_PORT: '7001' }).redis.port).toBe(7001);
    expect(loadConfig({ CHARGELEDGER_LEDGER: 'embedded' }).ledger).toBe('embedded');
    expect(() => loadConfig({ CHARGELEDGER_LEDGER: 'paper' })).toThrow(ConfigError);
  });

  it('serves plain HTTP unless a TLS key and certificate are set, resolving their paths from the repository root', () => {
    expect(loadConfig({}).csms.tls).toBeUndefined();
    const tls = loadConfig({ CSMS_TLS_KEY_FILE: 'pki/server.key', CSMS_TLS_CERT_FILE: '/etc/csms/server.crt' }).csms.tls;
    expect(tls).toEqual({ keyFile: path.join(repositoryRoot, 'pki', 'server.key'), certFile: '/etc/csms/server.crt', clientCaFile: undefined });
  });

  it('refuses half a TLS key pair and a client CA without TLS', () => {
    const issues = (env: Record<string, string>): readonly string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).issues;
      }
    };
    expect(issues({ CSMS_TLS_CERT_FILE: 'server.crt' })).toEqual([expect.stringMatching(/^CSMS_TLS_KEY_FILE: /)]);
    expect(issues({ CSMS_TLS_CLIENT_CA_FILE: 'ca.crt' })).toEqual([expect.stringMatching(/^CSMS_TLS_CLIENT_CA_FILE: /)]);
  });

  it('lists every bad setting at once', () => {
    const attempt = (): unknown => loadConfig({ REDIS_PORT: 'seventy', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).issues).toHaveLength(2);
    }
  });
});

describe('parseEnvFile', () => {
  it('skips comments and strips outer quotes', () => {
    expect(parseEnvFile('# c\nA=1\n\nB="two words"\n')).toEqual({ A: '1', B: 'two words' });
  });

  it('refuses a line without a key', () => {
    expect(() => parseEnvFile('=1')).toThrow(/line 1/);
  });
});
