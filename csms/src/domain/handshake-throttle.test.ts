import { HandshakeThrottle } from './handshake-throttle';

const at = (ms: number): { now: () => Date } => ({ now: () => new Date(ms) });

describe('HandshakeThrottle', () => {
  const clock = { ms: 0, now: (): Date => new Date(clock.ms) };
  const throttle = (): HandshakeThrottle => new HandshakeThrottle({ clock, windowMs: 60_000, maxFailuresPerIdentity: 3, maxFailuresPerAddress: 5, maxTracked: 100 });

  beforeEach(() => {
    clock.ms = 1_000_000;
  });

  it('blocks an identity after its failures reach the limit, and lets it in again once they age out', () => {
    const t = throttle();
    for (let i = 0; i < 3; i += 1) t.failed('CP-1', '10.0.0.1');
    expect(t.blocked('CP-1', '10.0.0.2')).toBe(true);
    expect(t.blocked('CP-2', '10.0.0.2')).toBe(false);
    clock.ms += 60_001;
    expect(t.blocked('CP-1', '10.0.0.2')).toBe(false);
  });

  it('blocks an address trying many identities', () => {
    const t = throttle();
    for (let i = 0; i < 5; i += 1) t.failed(`CP-${i}`, '10.0.0.9');
    expect(t.blocked('CP-new', '10.0.0.9')).toBe(true);
    expect(t.blocked('CP-new', '10.0.0.8')).toBe(false);
  });

  it('forgets an identity’s failures when it succeeds', () => {
    const t = throttle();
    t.failed('CP-1', 'a');
    t.failed('CP-1', 'b');
    t.succeeded('CP-1');
    t.failed('CP-1', 'c');
    expect(t.blocked('CP-1', undefined)).toBe(false);
  });

  it('tracks a bounded number of keys', () => {
    const t = new HandshakeThrottle({ clock: at(0), windowMs: 60_000, maxFailuresPerIdentity: 1, maxFailuresPerAddress: 1, maxTracked: 10 });
    for (let i = 0; i < 100; i += 1) t.failed(`CP-${i}`, undefined);
    expect(t.blocked('CP-0', undefined)).toBe(false);
    expect(t.blocked('CP-99', undefined)).toBe(true);
  });
});
