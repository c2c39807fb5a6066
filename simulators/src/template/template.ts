import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TemplateError } from '../errors';

/** A charger model as data: `simulators/templates/<model>.json`. */
export interface ChargerTemplate {
  /** Sent as chargePointVendor (1.6, ≤ 20 characters) and vendorName (2.0.1). */
  readonly vendor: string;
  /** ≤ 20 characters. */
  readonly model: string;
  readonly firmwareVersion: string;
  readonly meter: { readonly vendor: string; readonly model: string; readonly firmwareVersion?: string };
  readonly evses: readonly EvseTemplate[];
}

export interface EvseTemplate {
  readonly currentType: 'AC' | 'DC';
  /** Phases used to turn an ampere limit into watts (DC: 1). */
  readonly phases: 1 | 3;
  /** Phase-to-neutral voltage for AC, link voltage for DC; used to turn amperes into watts. */
  readonly voltageV: number;
  readonly maxPowerW: number;
  /** Only one connector of an EVSE can be in use at a time. */
  readonly connectors: readonly ConnectorTemplate[];
}

export const CONNECTOR_TYPES = ['cType1', 'cType2', 'sType2', 'cCCS1', 'cCCS2', 'cG105', 'cTesla'] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

export interface ConnectorTemplate {
  readonly type: ConnectorType;
  readonly maxPowerW: number;
}

const TEMPLATE_DIR = join(__dirname, '../../templates');

/** Collects every problem with its JSON path instead of stopping at the first. */
class Reader {
  readonly issues: string[] = [];

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    this.issues.push(`${path} must be an object`);
    return {};
  }

  text(value: unknown, path: string, maxLength: number): string {
    if (typeof value === 'string' && value.length > 0 && value.length <= maxLength) return value;
    this.issues.push(`${path} must be a string of 1..${maxLength} characters`);
    return '';
  }

  positiveInteger(value: unknown, path: string): number {
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
    this.issues.push(`${path} must be a positive integer`);
    return 1;
  }

  oneOf<T extends string | number>(value: unknown, path: string, allowed: readonly T[]): T {
    const found = allowed.find((a) => a === value);
    if (found !== undefined) return found;
    this.issues.push(`${path} must be one of ${allowed.join(', ')}`);
    return allowed[0] as T;
  }

  list(value: unknown, path: string): unknown[] {
    if (Array.isArray(value) && value.length > 0) return value;
    this.issues.push(`${path} must be a non-empty array`);
    return [];
  }
}

function readEvse(r: Reader, value: unknown, path: string): EvseTemplate {
  const evse = r.object(value, path);
  const currentType = r.oneOf(evse.currentType, `${path}.currentType`, ['AC', 'DC'] as const);
  const maxPowerW = r.positiveInteger(evse.maxPowerW, `${path}.maxPowerW`);
  return {
    currentType,
    phases: r.oneOf(evse.phases, `${path}.phases`, currentType === 'AC' ? ([1, 3] as const) : ([1] as const)),
    voltageV: r.positiveInteger(evse.voltageV, `${path}.voltageV`),
    maxPowerW,
    connectors: r.list(evse.connectors, `${path}.connectors`).map((c, j) => {
      const connector = r.object(c, `${path}.connectors[${j}]`);
      return {
        type: r.oneOf(connector.type, `${path}.connectors[${j}].type`, CONNECTOR_TYPES),
        maxPowerW: r.positiveInteger(connector.maxPowerW, `${path}.connectors[${j}].maxPowerW`),
      };
    }),
  };
}

/** Checks an untrusted value against the template shape; throws TemplateError listing every problem. */
export function parseTemplate(value: unknown, source: string): ChargerTemplate {
  const r = new Reader();
  const root = r.object(value, '$');
  const meter = r.object(root.meter, '$.meter');
  const template: ChargerTemplate = {
    vendor: r.text(root.vendor, '$.vendor', 20),
    model: r.text(root.model, '$.model', 20),
    firmwareVersion: r.text(root.firmwareVersion, '$.firmwareVersion', 50),
    meter: {
      vendor: r.text(meter.vendor, '$.meter.vendor', 50),
      model: r.text(meter.model, '$.meter.model', 50),
      ...(meter.firmwareVersion === undefined ? {} : { firmwareVersion: r.text(meter.firmwareVersion, '$.meter.firmwareVersion', 50) }),
    },
    evses: r.list(root.evses, '$.evses').map((e, i) => readEvse(r, e, `$.evses[${i}]`)),
  };
  if (r.issues.length > 0) throw new TemplateError(source, r.issues);
  return template;
}

/** Loads `templates/<name>.json`, or a file when given a path ending in .json. */
export function loadTemplate(nameOrPath: string): ChargerTemplate {
  const file = nameOrPath.endsWith('.json') ? nameOrPath : join(TEMPLATE_DIR, `${nameOrPath}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TemplateError(file, [`cannot read the file (known templates: ${listTemplates().join(', ')})`], { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TemplateError(file, [`not JSON: ${(error as Error).message}`], { cause: error });
  }
  return parseTemplate(value, file);
}

/** Names of the bundled templates. */
export function listTemplates(): string[] {
  return readdirSync(TEMPLATE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}
