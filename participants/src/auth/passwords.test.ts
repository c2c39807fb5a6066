import { hashPassword, verifyPassword, weakPasswordReason } from './passwords';

describe('password hashing', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapl', stored)).resolves.toBe(false);
  });

  it('salts every hash, so one password never hashes to the same record twice', async () => {
    expect(await hashPassword('same password 123')).not.toBe(await hashPassword('same password 123'));
  });

  it('answers false for a record it cannot read', async () => {
    await expect(verifyPassword('x', 'plain:x')).resolves.toBe(false);
    await expect(verifyPassword('x', 'scrypt$16384$8$1$00$00')).resolves.toBe(false);
  });
});

describe('rules for a new password', () => {
  it('refuses one repeated character, a few characters repeated, and the user name inside it', () => {
    expect(weakPasswordReason('aaaaaaaaaaaa', 'erika')).toMatch(/4 different characters/);
    expect(weakPasswordReason('abababababab', 'erika')).toMatch(/4 different characters/);
    expect(weakPasswordReason('Erika-1234567', 'erika')).toMatch(/user name/);
    expect(weakPasswordReason('short', 'erika')).toMatch(/10 characters/);
  });

  it('accepts a password of ten varied characters that does not name the user', () => {
    expect(weakPasswordReason('a long password 1', 'erika')).toBeUndefined();
  });
});
