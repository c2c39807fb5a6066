import type { ConnectorStatus } from './types';

/** Everything a connector's status depends on. */
export interface ConnectorFacts {
  readonly operative: boolean;
  readonly faulted: boolean;
  /** Another connector of the same EVSE is in use. */
  readonly siblingInUse: boolean;
  readonly plugged: boolean;
  /** A token was accepted and waits for the cable. */
  readonly awaitingCable: boolean;
  readonly inTransaction: boolean;
  /** The transaction ended and the cable is still in. */
  readonly finished: boolean;
  /** What the charger lets through now. */
  readonly offeredW: number;
  /** What the vehicle would take now. */
  readonly acceptedW: number;
}

/**
 * The status is a pure function of the facts, so Available → Preparing → Charging ⇄ SuspendedEV/SuspendedEVSE →
 * Finishing → Available follows from what happened and can never be skipped or reported twice by accident.
 * A running transaction keeps its status when availability changes: the change is scheduled until it ends.
 */
export function deriveStatus(facts: ConnectorFacts): ConnectorStatus {
  if (facts.faulted) return 'Faulted';
  if (facts.inTransaction) {
    if (facts.offeredW <= 0) return 'SuspendedEVSE';
    if (facts.acceptedW <= 0) return 'SuspendedEV';
    return 'Charging';
  }
  if (!facts.operative || facts.siblingInUse) return 'Unavailable';
  if (facts.plugged && facts.finished) return 'Finishing';
  if (facts.plugged || facts.awaitingCable) return 'Preparing';
  return 'Available';
}
