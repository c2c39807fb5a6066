/**
 * How long jobs stay in Redis once the bridge has finished with them (ADR 0029). BullMQ applies a rule to the
 * whole set each time a job finishes: `age` in seconds, `count` jobs, whichever removes more. Both sides of the
 * seam read the rule from here, so a job the CSMS adds and the worker that finishes it agree on it.
 */
export interface KeptJobs {
  /** Seconds a finished job is kept at most. */
  readonly age: number;
  /** Finished jobs kept at most. */
  readonly count: number;
}

export interface QueueRetention {
  /**
   * Completed events and outcomes. Nothing correct depends on them once completed: the ledger recognises an
   * event it applied by its id, the bridge's session marks say what a later event needs to know, and a
   * charger's retry within the window is still answered from the existing job.
   */
  readonly completed: KeptJobs;
  /** Events that failed for good (retries exhausted) and dead letters: kept for an operator to re-drive. */
  readonly failed: KeptJobs;
}

/** BullMQ's job option for a finished job, the same object for `removeOnComplete` and `removeOnFail`. */
export function keepJobs(kept: KeptJobs): { age: number; count: number } {
  return { age: kept.age, count: kept.count };
}
