import { malformed } from './errors';

/**
 * A JSON number as the exact characters the signer wrote. OCMF gives the written decimals of RV a meaning
 * (`0.00` is not `0`), so numbers are never turned into binary floats here.
 */
export interface JsonNumber {
  readonly kind: 'number';
  readonly text: string;
}

export type JsonObject = ReadonlyMap<string, JsonValue>;
export type JsonValue = null | boolean | string | JsonNumber | readonly JsonValue[] | JsonObject;

/** OCMF nests three levels deep (payload, RD, reading); anything far deeper is hostile. */
const MAX_DEPTH = 16;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
};

/**
 * Strict RFC 8259 parser. Differs from JSON.parse in what OCMF needs: numbers keep their text, objects are
 * Maps (no prototype keys), and a duplicate key is an error, because two parsers reading the same signed
 * payload must not see different values.
 */
export function parseJson(text: string, section: string): JsonValue {
  const reader = new JsonReader(text, section);
  const value = reader.value(0);
  reader.end();
  return value;
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return value instanceof Map;
}

export function isJsonNumber(value: JsonValue | undefined): value is JsonNumber {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

class JsonReader {
  readonly #text: string;
  readonly #section: string;
  #pos = 0;

  constructor(text: string, section: string) {
    this.#text = text;
    this.#section = section;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) throw this.#error('nesting too deep');
    this.#skipSpace();
    const c = this.#text[this.#pos];
    if (c === '{') return this.#object(depth);
    if (c === '[') return this.#array(depth);
    if (c === '"') return this.#string();
    if (this.#literal('true')) return true;
    if (this.#literal('false')) return false;
    if (this.#literal('null')) return null;
    NUMBER.lastIndex = this.#pos;
    const match = NUMBER.exec(this.#text);
    if (match === null) throw this.#error('unexpected character');
    this.#pos += match[0].length;
    return { kind: 'number', text: match[0] };
  }

  end(): void {
    this.#skipSpace();
    if (this.#pos !== this.#text.length) throw this.#error('unexpected text after the value');
  }

  #object(depth: number): JsonObject {
    const members = new Map<string, JsonValue>();
    this.#pos += 1;
    this.#skipSpace();
    if (this.#take('}')) return members;
    for (;;) {
      this.#skipSpace();
      if (this.#text[this.#pos] !== '"') throw this.#error('expected a key');
      const key = this.#string();
      if (members.has(key)) throw this.#error(`duplicate key ${JSON.stringify(key)}`);
      this.#skipSpace();
      if (!this.#take(':')) throw this.#error('expected ":"');
      members.set(key, this.value(depth + 1));
      this.#skipSpace();
      if (this.#take('}')) return members;
      if (!this.#take(',')) throw this.#error('expected "," or "}"');
    }
  }

  #array(depth: number): JsonValue[] {
    const items: JsonValue[] = [];
    this.#pos += 1;
    this.#skipSpace();
    if (this.#take(']')) return items;
    for (;;) {
      items.push(this.value(depth + 1));
      this.#skipSpace();
      if (this.#take(']')) return items;
      if (!this.#take(',')) throw this.#error('expected "," or "]"');
    }
  }

  #string(): string {
    let out = '';
    this.#pos += 1;
    for (;;) {
      const c = this.#text[this.#pos];
      if (c === undefined) throw this.#error('unterminated string');
      this.#pos += 1;
      if (c === '"') return out;
      if (c < ' ') throw this.#error('control character in string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.#text[this.#pos] ?? '';
      this.#pos += 1;
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.#text.slice(this.#pos, this.#pos + 4))) {
        out += String.fromCharCode(Number.parseInt(this.#text.slice(this.#pos, this.#pos + 4), 16));
        this.#pos += 4;
      } else {
        throw this.#error('bad escape in string');
      }
    }
  }

  #literal(word: string): boolean {
    if (!this.#text.startsWith(word, this.#pos)) return false;
    this.#pos += word.length;
    return true;
  }

  #take(c: string): boolean {
    if (this.#text[this.#pos] !== c) return false;
    this.#pos += 1;
    return true;
  }

  #skipSpace(): void {
    for (;;) {
      const c = this.#text[this.#pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.#pos += 1;
    }
  }

  #error(reason: string): Error {
    return malformed(`${this.#section} section: ${reason} at offset ${this.#pos}`);
  }
}
