import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface MeterReading {
  readonly timeMs: number;
  /** The energy register in Wh; written as kWh with three decimals, as meters do. */
  readonly registerWh: number;
}

/** OCMF TM: local time with milliseconds, offset and time status (S = synchronised). */
function ocmfTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23).replace('.', ',')}+0000 S`;
}

function kWh(registerWh: number): string {
  return `${Math.floor(registerWh / 1000)}.${String(registerWh % 1000).padStart(3, '0')}`;
}

/** A P-256 meter that signs OCMF records of whole sessions, the way an Eichrecht meter does. */
export class TestMeter {
  readonly publicKey: string;
  readonly #privateKey: KeyObject;
  #page = 1;

  constructor(readonly serial: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#privateKey = privateKey;
    this.publicKey = publicKey.export({ format: 'der', type: 'spki' }).toString('hex').toUpperCase();
  }

  /** Sets the next pagination counter, as a meter whose counters were reset (or a replaying one) would. */
  restartAt(page: number): void {
    this.#page = page;
  }

  /** A begin record and an end record, consecutively paginated. `idToken` goes into ID as meters do. */
  session(start: MeterReading, end: MeterReading, idToken = '04AABBCCDD'): string[] {
    return [this.record('B', start, idToken), this.record('E', end, idToken)];
  }

  record(code: 'B' | 'E', reading: MeterReading, idToken: string): string {
    const header = `"FV":"1.0","GI":"CL-SIM","GS":"GW-${this.serial}","GV":"1.0","PG":"T${this.#page++}","MV":"Sim","MM":"SIM-1","MS":"${this.serial}","IS":true,"IL":"VERIFIED","IF":["RFID_PLAIN"],"IT":"ISO14443","ID":"${idToken}"`;
    const rd = `{"TM":"${ocmfTime(reading.timeMs)}","TX":"${code}","RV":${kWh(reading.registerWh)},"RI":"1-b:1.8.0","RU":"kWh","EF":"","ST":"G"}`;
    const payload = `{${header},"RD":[${rd}]}`;
    const signature = sign('sha256', Buffer.from(payload, 'utf8'), { key: this.#privateKey, dsaEncoding: 'der' });
    return `OCMF|${payload}|{"SA":"ECDSA-secp256r1-SHA256","SD":"${signature.toString('hex').toUpperCase()}"}`;
  }
}
