import type { Redis } from 'ioredis';

export interface ConnectorStatus {
  readonly status: string;
  readonly errorCode?: string;
  readonly timestamp: string;
}

export interface StationRecord {
  readonly bootedAt?: string;
  readonly vendor?: string;
  readonly model?: string;
  readonly firmwareVersion?: string;
  readonly firmwareStatus?: string;
  readonly diagnosticsStatus?: string;
  readonly connectors: Readonly<Record<string, ConnectorStatus>>;
}

/** Live state of each charger (boot data, connector statuses, firmware/diagnostics status), shared by all nodes. */
export class StationState {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: Readonly<{ redis: Redis; keyPrefix: string }>) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
  }

  async get(chargerId: string): Promise<StationRecord> {
    const fields = await this.#redis.hgetall(this.#key(chargerId));
    const connectors: Record<string, ConnectorStatus> = {};
    const station: Record<string, string> = {};
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('connector:')) connectors[field.slice('connector:'.length)] = JSON.parse(value) as ConnectorStatus;
      else station[field] = value;
    }
    return { ...station, connectors };
  }

  async update(chargerId: string, fields: Readonly<Record<string, string>>): Promise<void> {
    await this.#redis.hset(this.#key(chargerId), fields);
  }

  async setConnector(chargerId: string, connectorKey: string, status: ConnectorStatus): Promise<void> {
    await this.#redis.hset(this.#key(chargerId), `connector:${connectorKey}`, JSON.stringify(status));
  }

  #key(chargerId: string): string {
    return `${this.#prefix}:station:${chargerId}`;
  }
}
