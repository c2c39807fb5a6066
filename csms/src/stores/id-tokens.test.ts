import { createHash, randomBytes } from 'node:crypto';
import { tokenDigest } from './id-tokens';

describe('the digest an id token is shown as', () => {
  const key = randomBytes(32);

  it('is the same for one token under one key, so that log lines and sessions correlate', () => {
    expect(tokenDigest(key, '04A2B3C4D5E6F7')).toBe(tokenDigest(Buffer.from(key), '04A2B3C4D5E6F7'));
    expect(tokenDigest(key, '04A2B3C4D5E6F7')).toMatch(/^hmac-sha256:[0-9a-f]{16}$/);
  });

  it('cannot be recomputed from the token alone: another key gives another digest, and no plain hash matches it', () => {
    const token = '04A2B3C4';
    const shown = tokenDigest(key, token);
    expect(shown).not.toBe(tokenDigest(randomBytes(32), token));
    const plain = createHash('sha256').update(token).digest('hex');
    expect(shown).not.toContain(plain.slice(0, 12));
  });

  it('refuses a key too short to protect short tokens', () => {
    expect(() => tokenDigest(randomBytes(16), '04A2B3C4')).toThrow(RangeError);
  });
});
