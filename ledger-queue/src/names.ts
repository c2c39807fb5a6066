/**
 * Where the seam's messages travel, under one Redis key prefix both sides share. The CSMS publishes events
 * and asks questions; the bridge applies the events, answers the questions and reports outcomes. Every
 * name derives from the configured queue names here, so the two sides cannot drift apart.
 */
export interface LedgerQueueNames {
  /** BullMQ queue of ledger events (CSMS → bridge), job id = event id. */
  readonly events: string;
  /** BullMQ queue of events the chaincode refused for good, each with its reason (bridge only). */
  readonly deadLetters: string;
  /** BullMQ queue of outcomes the CSMS acts on (bridge → CSMS), job id = `outcome.<event id>`. */
  readonly outcomes: string;
  /** Redis list of questions a charger waits on (CSMS → bridge). */
  readonly queries: string;
}

export function ledgerQueueNames(configured: { readonly ledgerEvents: string; readonly ledgerOutcomes: string; readonly ledgerQueries: string }): LedgerQueueNames {
  return {
    events: configured.ledgerEvents,
    deadLetters: `${configured.ledgerEvents}-dead-letters`,
    outcomes: configured.ledgerOutcomes,
    queries: configured.ledgerQueries,
  };
}

/** The key of the questions list, under the queue prefix both sides share. */
export const ledgerQueriesKey = (queuePrefix: string, listName: string): string => `${queuePrefix}:${listName}`;

/** How often a running bridge says so in Redis, and how long the word lasts: the CSMS asks no ledger nobody serves. */
export const BRIDGE_HEARTBEAT_MS = 2_000;
export const BRIDGE_HEARTBEAT_TTL_MS = 6_000;

/**
 * The key a running bridge refreshes every BRIDGE_HEARTBEAT_MS with a TTL of BRIDGE_HEARTBEAT_TTL_MS, under the
 * queue prefix both sides share. While it is absent no bridge pops questions, and the CSMS asks none.
 */
export const bridgeHeartbeatKey = (queuePrefix: string): string => `${queuePrefix}:bridge:alive`;
