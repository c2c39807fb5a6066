import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnvFile } from './env-file';
import { type Config, type OrganizationName, organizations, settingsSchema } from './schema';

/** The repository root: config/ sits directly below it. */
export const repositoryRoot = path.resolve(__dirname, '..', '..');
const defaultsFile = path.join(repositoryRoot, 'config', 'defaults.env');

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
  }
}

/**
 * Reads config/defaults.env, lets `env` override any key, and validates the result. This is the only place
 * in the TypeScript code that reads process.env; it fails fast with every bad setting listed.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const defaults = parseEnvFile(readFileSync(defaultsFile, 'utf8'));
  const merged: Record<string, string> = { ...defaults };
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    // An empty value in the environment means "not set", except where the default itself is empty.
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const s = parsed.data;
  const dataDir = path.resolve(repositoryRoot, s.CHARGELEDGER_DATA_DIR);
  const underData = (file: string): string => path.resolve(dataDir, file);
  return Object.freeze({
    dataDir,
    logLevel: s.LOG_LEVEL,
    redis: { host: s.REDIS_HOST, port: s.REDIS_PORT },
    csms: {
      host: s.CSMS_HOST,
      port: s.CSMS_PORT,
      heartbeatIntervalS: s.CSMS_HEARTBEAT_INTERVAL_S,
      maxFrameBytes: s.CSMS_MAX_FRAME_BYTES,
      callTimeoutMs: s.CSMS_CALL_TIMEOUT_MS,
      newSessionsMaxRedisFraction: s.CSMS_NEW_SESSIONS_MAX_REDIS_PCT / 100,
      ledgerLagWarningMs: s.CSMS_LEDGER_LAG_WARNING_S * 1000,
      sessionRetentionS: s.CSMS_SESSION_RETENTION_S,
      apiKeys: s.CSMS_API_KEYS.split(',')
        .filter((pair) => pair !== '')
        .map((pair) => {
          const [role, key] = pair.split(':') as ['admin' | 'operator' | 'read-only' | 'records', string];
          return { role, key };
        }),
      dataTransferVendors: s.CSMS_DATA_TRANSFER_VENDORS.split(',').filter((vendor) => vendor !== ''),
      nodeId: s.CSMS_NODE_ID,
      // Relative paths are relative to the repository root, like the data directory.
      tls:
        s.CSMS_TLS_CERT_FILE === ''
          ? undefined
          : {
              keyFile: path.resolve(repositoryRoot, s.CSMS_TLS_KEY_FILE),
              certFile: path.resolve(repositoryRoot, s.CSMS_TLS_CERT_FILE),
              clientCaFile: s.CSMS_TLS_CLIENT_CA_FILE === '' ? undefined : path.resolve(repositoryRoot, s.CSMS_TLS_CLIENT_CA_FILE),
            },
      ledgerAuthorization:
        s.CSMS_LEDGER_AUTHORIZATION === 'off'
          ? undefined
          : {
              timeoutMs: s.CSMS_LEDGER_AUTHORIZATION_TIMEOUT_MS,
              cacheTtlMs: s.CSMS_LEDGER_AUTHORIZATION_CACHE_S * 1000,
              whenUnavailable: s.CSMS_AUTHORIZE_WHEN_LEDGER_UNAVAILABLE,
            },
    },
    queue: {
      prefix: s.QUEUE_PREFIX,
      ledgerEvents: s.QUEUE_LEDGER_EVENTS,
      ledgerOutcomes: s.QUEUE_LEDGER_OUTCOMES,
      ledgerQueries: s.QUEUE_LEDGER_QUERIES,
      retention: { completed: { age: s.QUEUE_COMPLETED_KEEP_S, count: s.QUEUE_COMPLETED_KEEP_COUNT }, failed: { age: s.QUEUE_FAILED_KEEP_S, count: s.QUEUE_FAILED_KEEP_COUNT } },
    },
    ledger: s.CHARGELEDGER_LEDGER,
    embedded: { dataDir: underData('embedded-ledger'), host: s.EMBEDDED_LEDGER_HOST, port: s.EMBEDDED_LEDGER_PORT, keyFiles: Object.fromEntries(organizations.map((org) => [org, underData(`secrets/embedded-ledger/${org.toLowerCase()}-key`)])) as Record<OrganizationName, string> },
    fabric: {
      bin: s.FABRIC_BIN,
      channel: s.FABRIC_CHANNEL,
      chaincode: s.FABRIC_CHAINCODE,
      operatorId: s.FABRIC_OPERATOR_ID,
      networkFile: underData('fabric/network.json'),
      gateway: {
        peerEndpoint: s.FABRIC_GATEWAY_PEER,
        hostAlias: s.FABRIC_GATEWAY_HOST_ALIAS,
        mspId: s.FABRIC_MSP_ID,
        tlsCaFile: underData(s.FABRIC_TLS_CA_FILE),
        certFile: underData(s.FABRIC_CERT_FILE),
        keyDir: underData(s.FABRIC_KEY_DIR),
      },
    },
    bridge: {
      concurrency: s.BRIDGE_CONCURRENCY,
      queryConcurrency: s.BRIDGE_QUERY_CONCURRENCY,
      settlementBatch: { maxPerTransaction: s.BRIDGE_SETTLEMENT_BATCH, transactionsInFlight: s.BRIDGE_SETTLEMENT_TRANSACTIONS },
      progressAuditMs: s.BRIDGE_PROGRESS_AUDIT_MINUTES * 60_000,
      stateDir: underData(s.BRIDGE_STATE_DIR),
    },
    secondOperator: { operatorId: s.FABRIC_OPERATORS2_OPERATOR_ID, mspId: 'Operators2MSP' as const, csmsPort: s.CSMS_OPERATORS2_PORT, queuePrefix: s.QUEUE_OPERATORS2_PREFIX },
    participants: {
      organization: s.PARTICIPANTS_ORG === '' ? undefined : s.PARTICIPANTS_ORG,
      host: s.PARTICIPANTS_HOST,
      ports: { wallets: s.PARTICIPANTS_WALLETS_PORT, operators: s.PARTICIPANTS_OPERATORS_PORT, operators2: s.PARTICIPANTS_OPERATORS2_PORT, prosumers: s.PARTICIPANTS_PROSUMERS_PORT, authority: s.PARTICIPANTS_AUTHORITY_PORT },
      dataDir: underData('participants'),
      csms: {
        url: s.PARTICIPANTS_CSMS_URL === '' ? `${s.CSMS_TLS_CERT_FILE === '' ? 'http' : 'https'}://${s.CSMS_HOST}:${s.CSMS_PORT}` : s.PARTICIPANTS_CSMS_URL,
        keyFile: underData(s.PARTICIPANTS_CSMS_KEY_FILE),
        recordsKeyFile: underData(s.PARTICIPANTS_CSMS_RECORDS_KEY_FILE),
      },
      throttles: { signInPerAccount: s.PARTICIPANTS_SIGN_IN_PER_ACCOUNT, signInPerAddress: s.PARTICIPANTS_SIGN_IN_PER_ADDRESS, signUpPerAddress: s.PARTICIPANTS_SIGN_UP_PER_ADDRESS },
      stripe:
        s.STRIPE_SECRET_KEY === ''
          ? undefined
          : { secretKey: s.STRIPE_SECRET_KEY, webhookSecret: s.STRIPE_WEBHOOK_SECRET, apiUrl: s.STRIPE_API_URL === '' ? undefined : s.STRIPE_API_URL, webhookToleranceS: s.STRIPE_WEBHOOK_TOLERANCE_S },
    },
  });
}
