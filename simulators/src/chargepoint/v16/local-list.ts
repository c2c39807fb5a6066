import type { LocalListChange, LocalListUpdate } from '../core/local-auth-list';
import type { V16SendLocalList } from './actions';

/** A 1.6 SendLocalList as the protocol-free update. An idTag has no type, so the entry matches a token of any type. */
export function fromV16LocalList(request: V16SendLocalList): LocalListUpdate {
  const changes = (request.localAuthorizationList ?? []).map(({ idTag, idTagInfo }): LocalListChange => {
    if (idTagInfo === undefined) return { token: { value: idTag } };
    const { status, expiryDate } = idTagInfo;
    return { token: { value: idTag }, authorization: { status, ...(expiryDate === undefined ? {} : { expiresAtMs: Date.parse(expiryDate) }) } };
  });
  return { updateType: request.updateType, version: request.listVersion, changes };
}
