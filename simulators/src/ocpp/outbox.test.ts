import { createRPCError, RPCError } from 'ocpp-rpc';
import { Outbox } from './outbox';

interface TestActions {
  Sample: { request: { n: number }; response: { ok: true } };
  Ping: { request: Record<string, never>; response: { ok: true } };
}

/** A CSMS link double: records what was sent and lets the test decide how each call ends. */
function aLane(): { outbox: Outbox<TestActions>; sent: number[]; answer: (outcome?: unknown) => void } {
  const sent: number[] = [];
  const pending: ((outcome: unknown) => void)[] = [];
  const outbox = new Outbox<TestActions>({
    send: (_action, request) =>
      new Promise((resolve, reject) => {
        sent.push('n' in request ? request.n : -1);
        pending.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve({ ok: true } as TestActions[typeof _action]['response'])));
      }),
    isTransient: (error) => !(error instanceof RPCError) || error.rpcErrorCode === 'InternalError',
    retryDelayMs: 20,
  });
  return { outbox, sent, answer: (outcome) => pending.shift()?.(outcome) };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Outbox', () => {
  it('keeps durable messages while offline and sends them in order, one in flight at a time', async () => {
    const { outbox, sent, answer } = aLane();
    const delivered = [1, 2, 3].map((n) => outbox.push('Sample', () => ({ n }), { durable: true }));
    await flush();
    expect(sent).toEqual([]);

    outbox.setOnline(true);
    await flush();
    expect(sent).toEqual([1]);
    for (let i = 0; i < 3; i++) {
      answer();
      await flush();
    }
    await Promise.all(delivered);
    expect(sent).toEqual([1, 2, 3]);
    expect(outbox.pending).toBe(0);
  });

  it('refuses non-durable messages while offline', async () => {
    const { outbox } = aLane();
    await expect(outbox.push('Ping', () => ({}), { durable: false })).rejects.toMatchObject({ name: 'OfflineError', action: 'Ping' });
  });

  it('resends the same payload after the connection drops mid-call, without rendering it again', async () => {
    const { outbox, sent, answer } = aLane();
    let renders = 0;
    outbox.setOnline(true);
    const delivered = outbox.push('Sample', () => ({ n: ++renders }), { durable: true });
    await flush();
    outbox.setOnline(false);
    answer(new Error('Client disconnected'));
    await flush();
    outbox.setOnline(true);
    await flush();
    answer();

    await expect(delivered).resolves.toEqual({ ok: true });
    expect(sent).toEqual([1, 1]);
    expect(renders).toBe(1);
  });

  it('drops a durable message the CSMS refuses and reports it, so later ones still go', async () => {
    const { outbox, sent, answer } = aLane();
    const rejected: string[] = [];
    outbox.onRejected((r) => rejected.push(r.action));
    outbox.setOnline(true);
    const first = outbox.push('Sample', () => ({ n: 1 }), { durable: true });
    const second = outbox.push('Sample', () => ({ n: 2 }), { durable: true });
    await flush();
    answer(new RPCError('FormatViolation'));
    await expect(first).rejects.toBeInstanceOf(RPCError);
    await flush();
    answer();

    await expect(second).resolves.toEqual({ ok: true });
    expect(sent).toEqual([1, 2]);
    expect(rejected).toEqual(['Sample']);
  });

  it('sends a durable message again after the retry delay when the CSMS could not store it, keeping the order', async () => {
    const { outbox, sent, answer } = aLane();
    outbox.setOnline(true);
    const first = outbox.push('Sample', () => ({ n: 1 }), { durable: true });
    const second = outbox.push('Sample', () => ({ n: 2 }), { durable: true });
    await flush();
    answer(createRPCError('InternalError', 'the event could not be stored; retry later'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(sent).toEqual([1, 1]);
    answer();
    await expect(first).resolves.toEqual({ ok: true });
    await flush();
    answer();

    await expect(second).resolves.toEqual({ ok: true });
    expect(sent).toEqual([1, 1, 2]);
  });

  it('skips a message whose render says it no longer applies', async () => {
    const { outbox, sent } = aLane();
    outbox.setOnline(true);
    await expect(outbox.push('Sample', () => undefined, { durable: true })).resolves.toBeUndefined();
    expect(sent).toEqual([]);
    await outbox.idle();
  });
});
