import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const host = z.string().min(1);
const positiveInt = z.coerce.number().int().positive();

const settingsObject = z.object({
  CHARGELEDGER_DATA_DIR: z.string().min(1),
  REDIS_HOST: host,
  REDIS_PORT: port,
  REDIS_MAXMEMORY: z.string().regex(/^\d+(kb|mb|gb)?$/i, 'bytes, or a number with kb, mb or gb as redis.conf writes it'),
  REDIS_AOF_REWRITE_PERCENTAGE: z.coerce.number().int().min(0),
  REDIS_AOF_REWRITE_MIN_SIZE: z.string().regex(/^\d+(kb|mb|gb)?$/i, 'bytes, or a number with kb, mb or gb'),
  CSMS_HOST: host,
  CSMS_PORT: port,
  CSMS_HEARTBEAT_INTERVAL_S: positiveInt,
  CSMS_MAX_FRAME_BYTES: positiveInt,
  CSMS_CALL_TIMEOUT_MS: positiveInt,
  CSMS_NEW_SESSIONS_MAX_REDIS_PCT: z.coerce.number().int().min(1).max(100),
  CSMS_LEDGER_LAG_WARNING_S: positiveInt,
  CSMS_SESSION_RETENTION_S: positiveInt,
  CSMS_API_KEYS: z
    .string()
    .regex(/^((admin|operator|read-only|records):[^,:\s]{24,})?(,(admin|operator|read-only|records):[^,:\s]{24,})*$/, 'role:key pairs, keys of 24+ characters')
    .optional()
    .default(''),
  CSMS_DATA_TRANSFER_VENDORS: z.string().optional().default(''),
  CSMS_NODE_ID: z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ -').optional().default(''),
  CSMS_TLS_KEY_FILE: z.string().optional().default(''),
  CSMS_TLS_CERT_FILE: z.string().optional().default(''),
  CSMS_TLS_CLIENT_CA_FILE: z.string().optional().default(''),
  QUEUE_PREFIX: z.string().min(1),
  QUEUE_LEDGER_EVENTS: z.string().min(1),
  QUEUE_LEDGER_OUTCOMES: z.string().min(1),
  QUEUE_LEDGER_QUERIES: z.string().min(1),
  // A completed SessionStarted holds the raw id token: gone within the hour (decision 15).
  QUEUE_COMPLETED_KEEP_S: z.coerce.number().int().min(1).max(3600),
  QUEUE_COMPLETED_KEEP_COUNT: positiveInt,
  QUEUE_FAILED_KEEP_S: positiveInt,
  QUEUE_FAILED_KEEP_COUNT: positiveInt,
  CSMS_LEDGER_AUTHORIZATION: z.enum(['on', 'off']),
  CSMS_LEDGER_AUTHORIZATION_TIMEOUT_MS: positiveInt,
  CSMS_LEDGER_AUTHORIZATION_CACHE_S: z.coerce.number().int().min(0),
  CSMS_AUTHORIZE_WHEN_LEDGER_UNAVAILABLE: z.enum(['registry', 'reject']),
  BRIDGE_QUERY_CONCURRENCY: positiveInt,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  CHARGELEDGER_LEDGER: z.enum(['auto', 'fabric', 'embedded']),
  FABRIC_BIN: z.string().optional().default(''),
  EMBEDDED_LEDGER_HOST: host,
  EMBEDDED_LEDGER_PORT: port,
  FABRIC_ORDERING: z.enum(['raft', 'bft']).optional().default('raft'),
  FABRIC_CHANNEL: z.string().regex(/^[a-z][a-z0-9.-]*$/, 'a Fabric channel name'),
  FABRIC_CHAINCODE: z.string().min(1),
  FABRIC_OPERATOR_ID: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -'),
  FABRIC_OPERATORS2_OPERATOR_ID: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -'),
  CSMS_OPERATORS2_PORT: port,
  QUEUE_OPERATORS2_PREFIX: z.string().min(1),
  FABRIC_GATEWAY_PEER: z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port'),
  FABRIC_GATEWAY_HOST_ALIAS: z.string().min(1),
  FABRIC_MSP_ID: z.enum(['OperatorsMSP', 'Operators2MSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP']),
  FABRIC_TLS_CA_FILE: z.string().min(1),
  FABRIC_CERT_FILE: z.string().min(1),
  FABRIC_KEY_DIR: z.string().min(1),
  BRIDGE_CONCURRENCY: positiveInt,
  BRIDGE_SETTLEMENT_BATCH: z.coerce.number().int().min(1).max(100),
  BRIDGE_SETTLEMENT_TRANSACTIONS: positiveInt,
  BRIDGE_PROGRESS_AUDIT_MINUTES: z.coerce.number().int().min(0).max(24 * 60),
  BRIDGE_STATE_DIR: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a folder name under the data folder'),
  PARTICIPANTS_ORG: z.enum(['', 'wallets', 'operators', 'operators2', 'prosumers', 'authority']).optional().default(''),
  PARTICIPANTS_HOST: host,
  PARTICIPANTS_WALLETS_PORT: port,
  PARTICIPANTS_OPERATORS_PORT: port,
  PARTICIPANTS_OPERATORS2_PORT: port,
  PARTICIPANTS_PROSUMERS_PORT: port,
  PARTICIPANTS_AUTHORITY_PORT: port,
  PARTICIPANTS_CSMS_URL: z.string().regex(/^(https?:\/\/[^\s/]+)?$/, 'http(s)://host:port, or empty for CSMS_HOST and CSMS_PORT').optional().default(''),
  PARTICIPANTS_CSMS_KEY_FILE: z.string().min(1),
  PARTICIPANTS_CSMS_RECORDS_KEY_FILE: z.string().min(1),
  PARTICIPANTS_SIGN_IN_PER_ACCOUNT: positiveInt,
  PARTICIPANTS_SIGN_IN_PER_ADDRESS: positiveInt,
  PARTICIPANTS_SIGN_UP_PER_ADDRESS: positiveInt,
  STRIPE_SECRET_KEY: z.string().regex(/^(sk_(test|live)_[A-Za-z0-9_]+)?$/, 'a Stripe secret key (sk_test_... or sk_live_...), or empty').optional().default(''),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^(whsec_[A-Za-z0-9_+/=]+)?$/, 'a Stripe webhook signing secret (whsec_...), or empty').optional().default(''),
  STRIPE_API_URL: z.string().regex(/^(https?:\/\/[^\s/]+)?$/, 'http(s)://host:port, or empty for Stripe’s API').optional().default(''),
  STRIPE_WEBHOOK_TOLERANCE_S: z.coerce.number().int().min(1).max(3600).optional().default(300),
});

/** Every setting of the stack, as the environment spells it. Values arrive as strings and are coerced. */
export const settingsSchema = settingsObject.superRefine((s, ctx) => {
  // The server key and certificate come as a pair; a client CA only means something on a TLS listener.
  if ((s.CSMS_TLS_KEY_FILE === '') !== (s.CSMS_TLS_CERT_FILE === '')) {
    const missing = s.CSMS_TLS_KEY_FILE === '' ? 'CSMS_TLS_KEY_FILE' : 'CSMS_TLS_CERT_FILE';
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [missing], message: 'set both CSMS_TLS_KEY_FILE and CSMS_TLS_CERT_FILE, or neither' });
  }
  if ((s.STRIPE_SECRET_KEY === '') !== (s.STRIPE_WEBHOOK_SECRET === '')) {
    const missing = s.STRIPE_SECRET_KEY === '' ? 'STRIPE_SECRET_KEY' : 'STRIPE_WEBHOOK_SECRET';
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [missing], message: 'set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither: a payment that is asked for must be confirmable' });
  }
  if (s.CSMS_TLS_CLIENT_CA_FILE !== '' && s.CSMS_TLS_CERT_FILE === '') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['CSMS_TLS_CLIENT_CA_FILE'], message: 'client certificates need TLS: set CSMS_TLS_KEY_FILE and CSMS_TLS_CERT_FILE' });
  }
});

export type Settings = z.infer<typeof settingsSchema>;

export interface Config {
  readonly dataDir: string;
  readonly logLevel: Settings['LOG_LEVEL'];
  readonly redis: { readonly host: string; readonly port: number };
  readonly csms: {
    readonly host: string;
    readonly port: number;
    readonly heartbeatIntervalS: number;
    readonly maxFrameBytes: number;
    readonly callTimeoutMs: number;
    /** New sessions are refused while Redis uses this fraction (0-1] of its maxmemory (ADR 0029). */
    readonly newSessionsMaxRedisFraction: number;
    /** A warning is logged while the oldest event waiting for the bridge is older than this. */
    readonly ledgerLagWarningMs: number;
    /** An ended session's record stays this long once the ledger settled or refused it (ADR 0029). */
    readonly sessionRetentionS: number;
    readonly apiKeys: readonly { readonly role: 'admin' | 'operator' | 'read-only' | 'records'; readonly key: string }[];
    readonly dataTransferVendors: readonly string[];
    /** Empty: the composition root derives one from the host name and process id. */
    readonly nodeId: string;
    /** Undefined: plain HTTP and ws:// (security profile 1 only). Absolute paths of PEM files. */
    readonly tls: CsmsTlsFiles | undefined;
    /** Undefined: Authorize asks the operator's token registry only, never the ledger. */
    readonly ledgerAuthorization:
      | {
          readonly timeoutMs: number;
          readonly cacheTtlMs: number;
          /** While no bridge answers: accept what the registry accepts (the hold still decides), or refuse. */
          readonly whenUnavailable: 'registry' | 'reject';
        }
      | undefined;
  };
  readonly queue: {
    readonly prefix: string;
    readonly ledgerEvents: string;
    readonly ledgerOutcomes: string;
    readonly ledgerQueries: string;
    /** How long finished jobs stay in Redis (ADR 0029): completed events and outcomes; failed events and dead letters. */
    readonly retention: { readonly completed: { readonly age: number; readonly count: number }; readonly failed: { readonly age: number; readonly count: number } };
  };
  /** Which ledger the stack settles on; `auto` picks Fabric when its binaries are found. */
  readonly ledger: 'auto' | 'fabric' | 'embedded';
  /** The embedded ledger's folder and its loopback gateway. */
  /**
   * The embedded ledger's loopback gateway: one key file per organization (`secrets/embedded-ledger/<org>-key`), each
   * admitting that organization's identities only.
   */
  readonly embedded: { readonly dataDir: string; readonly host: string; readonly port: number; readonly keyFiles: Readonly<Record<OrganizationName, string>> };
  readonly fabric: {
    /** The bin/ folder of the Fabric release; empty: PATH. */
    readonly bin: string;
    readonly channel: string;
    readonly chaincode: string;
    /** The operator the stack's bridge identity acts for. */
    readonly operatorId: string;
    /** Written by the network tooling: every organization's peer, TLS CA and enrolled identities. */
    readonly networkFile: string;
    /** The identity the bridge signs with and the peer whose gateway it uses. Relative paths are under dataDir. */
    readonly gateway: {
      readonly peerEndpoint: string;
      readonly hostAlias: string;
      readonly mspId: 'OperatorsMSP' | 'Operators2MSP' | 'ProsumersMSP' | 'WalletsMSP' | 'AuthorityMSP';
      readonly tlsCaFile: string;
      readonly certFile: string;
      readonly keyDir: string;
    };
  };
  readonly bridge: {
    readonly concurrency: number;
    readonly queryConcurrency: number;
    /** Session ends one transaction settles at most, and settlement transactions in flight at once (ADR 0022). */
    readonly settlementBatch: { readonly maxPerTransaction: number; readonly transactionsInFlight: number };
    /** A session's progress is written to the ledger at least this often as an audit trail (ADR 0032); 0: only when the estimate nears or reaches the hold. */
    readonly progressAuditMs: number;
    /** The bridge's own folder under the data folder (its settlement listener's checkpoint): one per bridge, as each operator runs its own. */
    readonly stateDir: string;
  };
  /**
   * The second operator as `npm start` runs it beside the first (ADR 0038): the operator the ledger binds to
   * Operators2MSP, its CSMS's port and its queues' prefix in the same Redis.
   */
  readonly secondOperator: { readonly operatorId: string; readonly mspId: 'Operators2MSP'; readonly csmsPort: number; readonly queuePrefix: string };
  /** The participants' services: one per organization on its own port, their users and records under dataDir. */
  readonly participants: {
    /** The organization this process serves; undefined outside a participants' service. `operators2` is the second operator's organization (ADR 0038). */
    readonly organization: 'wallets' | 'operators' | 'operators2' | 'prosumers' | 'authority' | undefined;
    readonly host: string;
    readonly ports: { readonly wallets: number; readonly operators: number; readonly operators2: number; readonly prosumers: number; readonly authority: number };
    readonly dataDir: string;
    /** The CSMS's admin API, read with a read-only key (absolute path of the file holding it). */
    readonly csms: { readonly url: string; readonly keyFile: string; readonly recordsKeyFile: string };
    /** Sign-ins per user name in 15 minutes and per client address in a minute; sign-ups per client address in an hour. */
    readonly throttles: { readonly signInPerAccount: number; readonly signInPerAddress: number; readonly signUpPerAddress: number };
    /** Card top-ups through Stripe; undefined when no key is set (money then comes in as recorded bank transfers only). */
    readonly stripe: StripeSettings | undefined;
  };
}

export interface StripeSettings {
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** A stand-in for Stripe's API (tests, demos); undefined: Stripe's own. */
  readonly apiUrl: string | undefined;
  readonly webhookToleranceS: number;
}

export interface CsmsTlsFiles {
  readonly keyFile: string;
  readonly certFile: string;
  /** CA certificates for chargers' client certificates (security profile 3); undefined: none are asked for. */
  readonly clientCaFile: string | undefined;
}

export const organizations = ['Operators', 'Operators2', 'Prosumers', 'Wallets', 'Authority'] as const;
export type OrganizationName = (typeof organizations)[number];
