import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { installLastResortHandlers } from './last-resort';

function aLogSink(): { log: pino.Logger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      written.push(chunk.toString());
      callback();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => written.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('the last-resort handlers of the CSMS process', () => {
  it('logs a rejection nobody handled, with its error, and keeps serving', () => {
    const target = new EventEmitter();
    const { log, lines } = aLogSink();
    const exits: number[] = [];
    const shutdowns: string[] = [];
    installLastResortHandlers(target as unknown as NodeJS.Process, { log, shutdown: async (reason) => void shutdowns.push(reason), shutdownTimeoutMs: 1000, exit: (code) => void exits.push(code) });

    target.emit('unhandledRejection', new RangeError('Max payload size exceeded'), Promise.resolve());

    expect(lines()).toEqual([expect.objectContaining({ level: 50, event: 'unhandledRejection', err: expect.objectContaining({ type: 'RangeError', message: 'Max payload size exceeded' }) })]);
    expect(exits).toEqual([]);
    expect(shutdowns).toEqual([]);
  });

  it('logs an uncaught exception as fatal, shuts down once and exits with 1', async () => {
    const target = new EventEmitter();
    const { log, lines } = aLogSink();
    const shutdowns: string[] = [];
    const exited = new Promise<number>((resolve) => {
      installLastResortHandlers(target as unknown as NodeJS.Process, { log, shutdown: async (reason) => void shutdowns.push(reason), shutdownTimeoutMs: 1000, exit: resolve });
    });

    target.emit('uncaughtException', new TypeError('boom'), 'uncaughtException');
    target.emit('uncaughtException', new TypeError('again'), 'uncaughtException');

    expect(await exited).toBe(1);
    expect(shutdowns).toEqual(['uncaughtException']);
    expect(lines().filter((line) => line['event'] === 'uncaughtException')).toHaveLength(2);
    expect(lines()[0]).toMatchObject({ level: 60, err: { type: 'TypeError', message: 'boom' } });
  });

  it('exits with 1 even when the shutdown never finishes', async () => {
    const target = new EventEmitter();
    const { log } = aLogSink();
    const exited = new Promise<number>((resolve) => {
      installLastResortHandlers(target as unknown as NodeJS.Process, { log, shutdown: () => new Promise(() => undefined), shutdownTimeoutMs: 20, exit: resolve });
    });

    target.emit('uncaughtException', new Error('stuck'), 'uncaughtException');

    expect(await exited).toBe(1);
  });
});
