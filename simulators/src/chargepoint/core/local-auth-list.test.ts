import { LocalAuthList, type LocalListChange } from './local-auth-list';
import type { AuthorizationStatus, IdTokenType } from './types';

const NOW = Date.parse('2025-03-01T08:00:00.000Z');

function listed(value: string, status: AuthorizationStatus = 'Accepted', extra: { type?: IdTokenType; expiresAtMs?: number } = {}): LocalListChange {
  const { type, expiresAtMs } = extra;
  return { token: { value, ...(type === undefined ? {} : { type }) }, authorization: { status, ...(expiresAtMs === undefined ? {} : { expiresAtMs }) } };
}

function removed(value: string): LocalListChange {
  return { token: { value } };
}

describe('LocalAuthList', () => {
  it('matches an entry without a type (1.6) for any token type, and a typed entry (2.0.1) only for its type', () => {
    const list = new LocalAuthList(10);
    list.apply({ updateType: 'Full', version: 1, changes: [listed('CARD-16'), listed('CARD-201', 'Accepted', { type: 'eMAID' })] });

    expect(list.lookup({ value: 'CARD-16', type: 'ISO14443' }, NOW)).toBe('Accepted');
    expect(list.lookup({ value: 'CARD-16', type: 'KeyCode' }, NOW)).toBe('Accepted');
    expect(list.lookup({ value: 'CARD-201', type: 'eMAID' }, NOW)).toBe('Accepted');
    expect(list.lookup({ value: 'CARD-201', type: 'ISO14443' }, NOW)).toBeUndefined();
  });

  it('reads an Accepted entry as Expired once its expiry has passed', () => {
    const list = new LocalAuthList(10);
    list.apply({ updateType: 'Full', version: 1, changes: [listed('CARD', 'Accepted', { expiresAtMs: NOW + 60_000 })] });

    expect(list.lookup({ value: 'CARD', type: 'ISO14443' }, NOW)).toBe('Accepted');
    expect(list.lookup({ value: 'CARD', type: 'ISO14443' }, NOW + 60_000)).toBe('Expired');
  });

  it('fails an update that would hold more entries than the list can, and keeps the list it had', () => {
    const list = new LocalAuthList(2);
    list.apply({ updateType: 'Full', version: 1, changes: [listed('A'), listed('B')] });

    expect(list.apply({ updateType: 'Differential', version: 2, changes: [listed('C')] })).toBe('Failed');
    expect(list.apply({ updateType: 'Full', version: 2, changes: [listed('A'), listed('B'), listed('C')] })).toBe('Failed');
    expect(list.snapshot()).toEqual({ version: 1, entries: [expect.objectContaining({ token: { value: 'A' } }), expect.objectContaining({ token: { value: 'B' } })] });
  });

  it('reports version 0 once its last entry is removed, so any later Differential version is accepted', () => {
    const list = new LocalAuthList(10);
    list.apply({ updateType: 'Full', version: 7, changes: [listed('A')] });

    expect(list.apply({ updateType: 'Differential', version: 8, changes: [removed('A')] })).toBe('Accepted');
    expect(list.version).toBe(0);
    expect(list.apply({ updateType: 'Differential', version: 3, changes: [listed('B')] })).toBe('Accepted');
    expect(list.snapshot()).toEqual({ version: 3, entries: [{ token: { value: 'B' }, status: 'Accepted' }] });
  });
});
