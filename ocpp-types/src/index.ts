/**
 * OCPP message types for both protocol versions, generated from the JSON schemas ocpp-rpc validates every
 * frame against in strict mode (scripts/generate.ts), so the types and the run-time validation cannot
 * drift apart. Each version's types are a namespace of their own, since the versions share message names
 * with different payloads.
 */
import type { V16Actions } from './generated/v16';
import type { V201Actions } from './generated/v201';

export type * as V16 from './generated/v16';
export type * as V201 from './generated/v201';
export type { V16Actions, V201Actions };

/** Every action of both versions, by the version string the CSMS and the ledger events use. */
export interface OcppActions {
  '1.6': V16Actions;
  '2.0.1': V201Actions;
}

export type OcppVersion = keyof OcppActions;
export type OcppAction<V extends OcppVersion> = keyof OcppActions[V] & string;
export type OcppRequest<V extends OcppVersion, A extends OcppAction<V>> = OcppActions[V][A] extends { request: infer R } ? R : never;
export type OcppResponse<V extends OcppVersion, A extends OcppAction<V>> = OcppActions[V][A] extends { response: infer R } ? R : never;

/** Shape shared by the generated V16Actions and V201Actions maps. */
export interface ActionShape {
  request: object;
  response: object;
}

export type ActionMap<M> = { [A in keyof M]: ActionShape };
export type RequestOf<M extends ActionMap<M>, A extends keyof M> = M[A]['request'];
export type ResponseOf<M extends ActionMap<M>, A extends keyof M> = M[A]['response'];

/** The request types of `actions`, one per action: a route table's view of a version's map. */
export type RequestsOf<M extends ActionMap<M>, K extends keyof M> = { [A in K]: M[A]['request'] };
export type ResponsesOf<M extends ActionMap<M>, K extends keyof M> = { [A in K]: M[A]['response'] };
