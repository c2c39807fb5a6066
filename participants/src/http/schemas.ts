/** JSON schema pieces shared by the routes. Every body and params object is closed (additionalProperties false). */

/** Ledger ids: what the chaincode accepts for account, station, offer and meter ids. */
export const ledgerId = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } as const;
export const username = { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{2,63}$', description: 'lowercase letters, digits, . and -; 3 to 64 characters' } as const;
export const password = { type: 'string', minLength: 10, maxLength: 200 } as const;
export const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
export const positiveInteger = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
export const timestampMs = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 } as const;

export interface ClosedObject<P, R> {
  readonly type: 'object';
  readonly additionalProperties: false;
  readonly properties: P;
  readonly required: R;
}

export function closed<P extends Record<string, object>, R extends readonly (keyof P & string)[]>(properties: P, required: R): ClosedObject<P, R> {
  return { type: 'object', additionalProperties: false, properties, required } as const;
}

export const bearer = [{ session: [] }] as const;
