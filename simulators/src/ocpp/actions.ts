/** Shape shared by the generated V16Actions and V201Actions maps. */
export interface ActionShape {
  request: object;
  response: object;
}

export type ActionMap<M> = { [A in keyof M]: ActionShape };

export type RequestOf<M extends ActionMap<M>, A extends keyof M> = M[A]['request'];
export type ResponseOf<M extends ActionMap<M>, A extends keyof M> = M[A]['response'];
