import pino from 'pino';
import type { MeterEvidence } from '@chargeledger/ledger-queue';
import type { SessionFlag, SessionState, SessionStop } from './session-state';
import { endSession, recordReadings, type SessionContext, type SessionEvent, type SessionRecords, startSession, type StartInput } from './sessions';

/** Sessions kept in memory, with the store's rule that the first stop recorded is final. */
class RecordsInMemory implements SessionRecords {
  readonly sessions = new Map<string, SessionState>();
  readonly stops = new Map<string, SessionStop>();
  readonly chargingEnds = new Map<string, string>();
  created = 0;

  async get(sessionId: string): Promise<SessionState | undefined> {
    return this.sessions.get(sessionId);
  }

  async create(state: SessionState): Promise<void> {
    this.created++;
    this.sessions.set(state.sessionId, state);
  }

  async put(state: SessionState): Promise<void> {
    this.sessions.set(state.sessionId, state);
  }

  async recordStop(sessionId: string, stop: SessionStop): Promise<{ readonly stop: SessionStop; readonly first: boolean }> {
    const recorded = this.stops.get(sessionId);
    if (recorded !== undefined) return { stop: recorded, first: false };
    this.stops.set(sessionId, stop);
    return { stop, first: true };
  }

  async chargingEndedAt(sessionId: string): Promise<string | undefined> {
    return this.chargingEnds.get(sessionId);
  }
}

function aContext(): { readonly ctx: SessionContext; readonly records: RecordsInMemory; readonly published: SessionEvent[]; readonly flagged: SessionFlag[] } {
  const records = new RecordsInMemory();
  const published: SessionEvent[] = [];
  const flagged: SessionFlag[] = [];
  const ctx: SessionContext = {
    chargerId: 'CP-1',
    log: pino({ level: 'silent' }),
    sessions: records,
    events: { publish: async (event) => published.push(event) },
    tokens: { digest: (idToken) => `digest-of-${idToken.length}` },
    sessionFlagged: (flag) => flagged.push(flag),
  };
  return { ctx, records, published, flagged };
}

const signed = (...records: string[]): MeterEvidence => ({ format: 'OCMF', records });

const aStart = (overrides: Partial<StartInput> = {}): StartInput => ({
  ocppTransactionId: '7',
  protocol: '1.6',
  evseId: 1,
  connectorId: 1,
  idToken: 'RFID-1',
  startedAt: '2026-11-24T10:00:00.000Z',
  meterStartWh: 1_000,
  evidence: [signed('OCMF|begin|sig')],
  ...overrides,
});

const aStop = { endedAt: '2026-11-24T10:30:00.000Z', meterStopWh: 3_000, reason: 'Local', readings: [] };

describe('a session, whatever the protocol', () => {
  it('starts under the charger and its OCPP transaction id, publishes the start, and is created once however often it starts', async () => {
    const { ctx, records, published } = aContext();
    const first = await startSession(ctx, aStart());
    const again = await startSession(ctx, aStart({ meterStartWh: 9_999 }));
    expect(first).toMatchObject({ sessionId: 'CP-1-7', chargerId: 'CP-1', ocppTransactionId: '7', meterStartWh: 1_000, lastRegisterWh: 1_000, ended: false });
    expect(again).toEqual(first);
    expect(records.created).toBe(1);
    expect(published.map((event) => [event.kind, event.sessionId, event.ocppTransactionId, 'meterStartWh' in event ? event.meterStartWh : undefined])).toEqual([
      ['SessionStarted', 'CP-1-7', '7', 1_000],
      ['SessionStarted', 'CP-1-7', '7', 1_000],
    ]);
  });

  it('publishes each reading with a register, keeps every new signed record once, and ignores a register that goes backwards', async () => {
    const { ctx, records, published } = aContext();
    const started = await startSession(ctx, aStart());
    const read = await recordReadings(ctx, started, [
      { timestamp: '2026-11-24T10:05:00.000Z', registerWh: 1_500, evidence: [signed('OCMF|begin|sig', 'OCMF|r1|sig')] },
      { timestamp: '2026-11-24T10:06:00.000Z', registerWh: 1_200, evidence: [] },
      { timestamp: '2026-11-24T10:07:00.000Z', evidence: [signed('OCMF|r2|sig')] },
    ]);
    expect(published.filter((event) => event.kind === 'MeterSampled').map((event) => ('registerWh' in event ? event.registerWh : undefined))).toEqual([1_500]);
    expect(read.lastRegisterWh).toBe(1_500);
    expect(read.evidence.flatMap((evidence) => evidence.records)).toEqual(['OCMF|begin|sig', 'OCMF|r1|sig', 'OCMF|r2|sig']);
    expect(await records.get('CP-1-7')).toEqual(read);
  });

  it('ends once: a repeated stop publishes the first stop again, and one that says otherwise is flagged and does not change it', async () => {
    const { ctx, published, flagged } = aContext();
    const started = await startSession(ctx, aStart());
    const ended = await endSession(ctx, started, aStop);
    const repeated = await endSession(ctx, ended, { ...aStop, meterStopWh: 4_000, endedAt: '2026-11-24T10:40:00.000Z' });
    expect(ended).toMatchObject({ ended: true, endedAt: aStop.endedAt, meterStopWh: 3_000, stopReason: 'Local', lastRegisterWh: 3_000, flags: [] });
    expect(repeated).toMatchObject({ endedAt: aStop.endedAt, meterStopWh: 3_000, flags: ['repeated-stop-differs'] });
    const ends = published.filter((event) => event.kind === 'SessionEnded');
    expect(ends).toHaveLength(2);
    expect(ends[1]).toEqual(ends[0]);
    expect(flagged).toEqual(['repeated-stop-differs']);
  });

  it('flags a final register below the start, once, and still publishes the end', async () => {
    const { ctx, published, flagged } = aContext();
    const started = await startSession(ctx, aStart({ meterStartWh: 5_000 }));
    const ended = await endSession(ctx, started, { ...aStop, meterStopWh: 4_000 });
    expect(ended.flags).toEqual(['meter-stop-below-start']);
    expect(flagged).toEqual(['meter-stop-below-start']);
    expect(published.at(-1)).toMatchObject({ kind: 'SessionEnded', meterStartWh: 5_000, meterStopWh: 4_000 });
  });

  it('ends with the time charging ended only when the charger said so before the stop', async () => {
    const before = aContext();
    before.records.chargingEnds.set('CP-1-7', '2026-11-24T10:20:00.000Z');
    expect(await endSession(before.ctx, await startSession(before.ctx, aStart()), aStop)).toMatchObject({ chargingEndedAt: '2026-11-24T10:20:00.000Z' });
    expect(before.published.at(-1)).toMatchObject({ kind: 'SessionEnded', chargingEndedAt: '2026-11-24T10:20:00.000Z' });

    const atTheStop = aContext();
    atTheStop.records.chargingEnds.set('CP-1-7', aStop.endedAt);
    const ended = await endSession(atTheStop.ctx, await startSession(atTheStop.ctx, aStart()), aStop);
    expect(ended.chargingEndedAt).toBeUndefined();
    expect(atTheStop.published.at(-1)).not.toHaveProperty('chargingEndedAt');
  });

  it('keeps the stop a session already shows when it ended before stops were recorded apart', async () => {
    const { ctx, published } = aContext();
    const shown: SessionState = { ...(await startSession(ctx, aStart())), ended: true, endedAt: '2026-11-24T10:10:00.000Z', meterStopWh: 2_000, stopReason: 'Remote' };
    const ended = await endSession(ctx, shown, aStop);
    expect(ended).toMatchObject({ endedAt: '2026-11-24T10:10:00.000Z', meterStopWh: 2_000, stopReason: 'Remote' });
    expect(published.at(-1)).toMatchObject({ kind: 'SessionEnded', endedAt: '2026-11-24T10:10:00.000Z', meterStopWh: 2_000, reason: 'Remote' });
  });
});
