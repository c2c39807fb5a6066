import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const host = z.string().min(1);
const positiveInt = z.coerce.number().int().positive();

/** Every setting of the stack, as the environment spells it. Values arrive as strings and are coerced. */
export const settingsSchema = z.object({
  CHARGELEDGER_DATA_DIR: z.string().min(1),
  REDIS_HOST: host,
  REDIS_PORT: port,
  CSMS_HOST: host,
  CSMS_PORT: port,
  CSMS_HEARTBEAT_INTERVAL_S: positiveInt,
  CSMS_MAX_FRAME_BYTES: positiveInt,
  CSMS_CALL_TIMEOUT_MS: positiveInt,
  CSMS_API_KEYS: z
    .string()
    .regex(/^((admin|operator|read-only):[^,:\s]{24,})?(,(admin|operator|read-only):[^,:\s]{24,})*$/, 'role:key pairs, keys of 24+ characters')
    .optional()
    .default(''),
  CSMS_DATA_TRANSFER_VENDORS: z.string().optional().default(''),
  CSMS_NODE_ID: z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ -').optional().default(''),
  QUEUE_PREFIX: z.string().min(1),
  QUEUE_LEDGER_EVENTS: z.string().min(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  FABRIC_VERSION: z.string().min(1),
  FABRIC_COMMIT: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-digit commit hash'),
  FABRIC_CHANNEL: z.string().regex(/^[a-z][a-z0-9.-]*$/, 'a Fabric channel name'),
  FABRIC_CHAINCODE: z.string().min(1),
  ORDERER_PORT: port,
  ORDERER_ADMIN_PORT: port,
  ORDERER_OPERATIONS_PORT: port,
  PEER_OPERATORS_PORT: port,
  PEER_PROSUMERS_PORT: port,
  PEER_WALLETS_PORT: port,
  PEER_AUTHORITY_PORT: port,
  CHAINCODE_SERVER_PORT: port,
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
    readonly apiKeys: readonly { readonly role: 'admin' | 'operator' | 'read-only'; readonly key: string }[];
    readonly dataTransferVendors: readonly string[];
    /** Empty: the composition root derives one from the host name and process id. */
    readonly nodeId: string;
  };
  readonly queue: { readonly prefix: string; readonly ledgerEvents: string };
  readonly fabric: {
    readonly version: string;
    readonly commit: string;
    readonly channel: string;
    readonly chaincode: string;
    readonly ports: {
      readonly orderer: number;
      readonly ordererAdmin: number;
      readonly ordererOperations: number;
      readonly peers: Readonly<Record<OrganizationName, number>>;
      readonly chaincodeServer: number;
    };
  };
}

export const organizations = ['Operators', 'Prosumers', 'Wallets', 'Authority'] as const;
export type OrganizationName = (typeof organizations)[number];
