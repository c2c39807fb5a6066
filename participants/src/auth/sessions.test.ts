import { SessionStore } from './sessions';

describe('SessionStore', () => {
  const aClock = (start = 1_000_000): { now: () => number; advance: (ms: number) => void } => {
    let now = start;
    return { now: () => now, advance: (ms) => (now += ms) };
  };

  it('knows the person behind a token until it expires', () => {
    const clock = aClock();
    const sessions = new SessionStore({ clock, ttlMs: 60_000 });
    const { token, expiresAtMs } = sessions.open({ username: 'erika', role: 'driver', party: 'drv-1' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAtMs).toBe(1_060_000);
    expect(sessions.principalOf(token)).toEqual({ username: 'erika', role: 'driver', party: 'drv-1' });
    clock.advance(60_000);
    expect(sessions.principalOf(token)).toBeUndefined();
  });

  it('forgets a token signed out, and never knows one it did not issue', () => {
    const sessions = new SessionStore({ clock: aClock(), ttlMs: 60_000 });
    const { token } = sessions.open({ username: 'erika', role: 'driver' });
    expect(sessions.principalOf(`${token}x`)).toBeUndefined();
    sessions.close(token);
    expect(sessions.principalOf(token)).toBeUndefined();
  });
});
