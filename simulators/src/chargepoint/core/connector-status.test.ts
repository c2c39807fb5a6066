import { deriveStatus, type ConnectorFacts } from './connector-status';

const idle: ConnectorFacts = {
  operative: true,
  faulted: false,
  siblingInUse: false,
  plugged: false,
  awaitingCable: false,
  inTransaction: false,
  finished: false,
  offeredW: 0,
  acceptedW: 0,
};

describe('deriveStatus', () => {
  it('walks a session from Available to Finishing', () => {
    const charging = { ...idle, plugged: true, inTransaction: true, offeredW: 11_000, acceptedW: 11_000 };
    expect(
      [
        idle,
        { ...idle, plugged: true },
        charging,
        { ...charging, acceptedW: 0 },
        { ...charging, offeredW: 0 },
        { ...idle, plugged: true, finished: true },
      ].map(deriveStatus),
    ).toEqual(['Available', 'Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing']);
  });

  it('is Preparing while an accepted token waits for the cable', () => {
    expect(deriveStatus({ ...idle, awaitingCable: true })).toBe('Preparing');
  });

  it('keeps charging through a scheduled availability change, and is Unavailable afterwards', () => {
    expect(deriveStatus({ ...idle, operative: false, plugged: true, inTransaction: true, offeredW: 1, acceptedW: 1 })).toBe('Charging');
    expect(deriveStatus({ ...idle, operative: false, plugged: true, finished: true })).toBe('Unavailable');
  });

  it('makes the other connectors of a busy EVSE Unavailable', () => {
    expect(deriveStatus({ ...idle, siblingInUse: true })).toBe('Unavailable');
  });
});
