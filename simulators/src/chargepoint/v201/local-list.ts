import type { LocalListChange, LocalListUpdate } from '../core/local-auth-list';
import type { SendLocalListRequest } from './actions';

/** A 2.0.1 SendLocalList as the protocol-free update; entries name the token with its type. */
export function fromV201LocalList(request: SendLocalListRequest): LocalListUpdate {
  const changes = (request.localAuthorizationList ?? []).map(({ idToken, idTokenInfo }): LocalListChange => {
    const token = { value: idToken.idToken, type: idToken.type };
    if (idTokenInfo === undefined) return { token };
    const { status, cacheExpiryDateTime } = idTokenInfo;
    return { token, authorization: { status, ...(cacheExpiryDateTime === undefined ? {} : { expiresAtMs: Date.parse(cacheExpiryDateTime) }) } };
  });
  return { updateType: request.updateType, version: request.versionNumber, changes };
}
