export { ConfigError, loadConfig, repositoryRoot } from './load';
export { parseEnvFile } from './env-file';
export { organizations, type Config, type CsmsTlsFiles, type OrganizationName, type StripeSettings } from './schema';
export { protectDataDir, SHARED_BITS } from './private-data';
