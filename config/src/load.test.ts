import { ConfigError, loadConfig } from './load';
import { parseEnvFile } from './env-file';

describe('loadConfig', () => {
  it('reads the defaults file when the environment sets nothing', () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({ host: '127.0.0.1', port: 6390 });
    expect(config.fabric.ports.peers.Wallets).toBe(7071);
  });

  it('lets the environment override a default', () => {
    expect(loadConfig({ REDIS_PORT: '7001' }).redis.port).toBe(7001);
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
