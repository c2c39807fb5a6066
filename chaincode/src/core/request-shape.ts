import { CURRENCY, Fields, IDENTIFIER, SHA256_HEX } from './fields';

/** A JSON Schema (draft 2020-12 keywords), as GetMetadata publishes it. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * One member of a request: how the chaincode reads it (with Fields' checks, refusing as BAD_REQUEST) and
 * the JSON Schema that says the same. Both come from one definition, so the published schema of a
 * transaction cannot drift from what the transaction accepts (ADR 0028).
 */
export interface Member<T> {
  readonly schema: JsonSchema;
  readonly optional: boolean;
  read(fields: Fields, key: string): T;
}

export type Members = { readonly [key: string]: Member<unknown> };
export type ReadOf<M extends Members> = { -readonly [K in keyof M]: M[K] extends Member<infer T> ? T : never };

/** A transaction's whole request: one JSON object of these members, nothing else. */
export interface RequestShape<T> {
  readonly members: readonly string[];
  readonly schema: JsonSchema;
  read(fields: Fields): T;
  /** Reads the transaction's argument. */
  parse(json: string): T;
}

export function request<M extends Members>(members: M): RequestShape<ReadOf<M>> {
  const keys = Object.keys(members);
  const read = (fields: Fields): ReadOf<M> => readMembers(fields, members);
  return { members: keys, schema: objectSchema(members), read, parse: (json) => read(Fields.parse(json, keys)) };
}

/** A state-changing transaction's request: its event id, then these members. */
export function idempotent<M extends Members>(members: M): RequestShape<ReadOf<{ eventId: Member<string> } & M>> {
  return request({ eventId: member.id(), ...members });
}

const required = <T>(schema: JsonSchema, read: (fields: Fields, key: string) => T): Member<T> => ({ schema, optional: false, read });

export const member = {
  /** 1-128 characters of [A-Za-z0-9._:-]. */
  id: (): Member<string> => required({ type: 'string', pattern: IDENTIFIER.source }, (f, k) => f.id(k)),
  sha256Hex: (): Member<string> => required({ type: 'string', pattern: SHA256_HEX.source }, (f, k) => f.sha256Hex(k)),
  currency: (): Member<string> => required({ type: 'string', pattern: CURRENCY.source }, (f, k) => f.currency(k)),
  int: (min: number, max: number = Number.MAX_SAFE_INTEGER): Member<number> => required({ type: 'integer', minimum: min, maximum: max }, (f, k) => f.int(k, min, max)),
  bool: (): Member<boolean> => required({ type: 'boolean' }, (f, k) => f.bool(k)),
  oneOf: <T extends string>(values: readonly T[]): Member<T> => required({ type: 'string', enum: [...values] }, (f, k) => f.oneOf(k, values)),
  optional: <T>(inner: Member<T>): Member<T | undefined> => ({ schema: inner.schema, optional: true, read: (f, k) => (f.has(k) ? inner.read(f, k) : undefined) }),
  object: <M extends Members>(members: M): Member<ReadOf<M>> => required(objectSchema(members), (f, k) => readMembers(f.object(k, Object.keys(members)), members)),
  /** An array of `min` to `max` objects of these members. */
  arrayOf: <M extends Members>(min: number, max: number, members: M): Member<ReadOf<M>[]> =>
    required({ type: 'array', minItems: min, maxItems: max, items: objectSchema(members) }, (f, k) =>
      f.array(k, min, max, (element, path) => readMembers(new Fields(element, path, Object.keys(members)), members)),
    ),
  /**
   * An object whose `tag` member says which of `variants` it is; the other members are those of that
   * variant only.
   */
  tagged: <Tag extends string, V extends { readonly [name: string]: Members }>(tag: Tag, variants: V): Member<{ [K in keyof V]: ReadOf<V[K]> & { [P in Tag]: K } }[keyof V]> => {
    const tags = Object.keys(variants);
    const all = [...new Set([tag, ...tags.flatMap((name) => Object.keys(variants[name] as Members))])];
    const schemas = tags.map((name) => objectSchema({ [tag]: member.oneOf([name]), ...variants[name] }));
    return required({ oneOf: schemas }, (f, k) => {
      const kind = f.object(k, all).oneOf(tag, tags);
      const members = variants[kind] as Members;
      return { [tag]: kind, ...readMembers(f.object(k, [tag, ...Object.keys(members)]), members) } as never;
    });
  },
  /** A member read by its own code, described by `schema`. */
  custom: <T>(schema: JsonSchema, read: (fields: Fields, key: string) => T): Member<T> => required(schema, read),
  /** `inner`, then a further check of the value read (refusing with the member's path). */
  checked: <T>(inner: Member<T>, check: (value: T, path: string) => void): Member<T> => ({
    ...inner,
    read: (f, k) => {
      const value = inner.read(f, k);
      check(value, f.pathOf(k));
      return value;
    },
  }),
} as const;

function readMembers<M extends Members>(fields: Fields, members: M): ReadOf<M> {
  const read: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(members)) {
    const value = definition.read(fields, key);
    if (value !== undefined) read[key] = value;
  }
  return read as ReadOf<M>;
}

function objectSchema(members: Members): JsonSchema {
  const entries = Object.entries(members);
  return {
    type: 'object',
    properties: Object.fromEntries(entries.map(([key, definition]) => [key, definition.schema])),
    required: entries.filter(([, definition]) => !definition.optional).map(([key]) => key),
    additionalProperties: false,
  };
}
