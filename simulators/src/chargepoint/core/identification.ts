import type { OcmfIdentification, OcmfIdentificationFlag, OcmfIdentificationType } from '../../meter/ocmf';
import type { AuthorizationSource, IdToken, IdTokenType } from './types';

const OCMF_TYPE: Record<IdTokenType, OcmfIdentificationType> = {
  ISO14443: 'ISO14443',
  ISO15693: 'ISO15693',
  eMAID: 'EMAID',
  Central: 'CENTRAL',
  Local: 'LOCAL',
  KeyCode: 'KEY_CODE',
  MacAddress: 'UNDEFINED',
  NoAuthorization: 'NONE',
};

function ocppFlag(source: AuthorizationSource, overTls: boolean): OcmfIdentificationFlag {
  switch (source) {
    case 'Csms':
      return overTls ? 'OCPP_AUTH_TLS' : 'OCPP_AUTH';
    case 'RemoteStart':
      return overTls ? 'OCPP_RS_TLS' : 'OCPP_RS';
    case 'LocalList':
      return 'OCPP_WHITELIST';
    case 'Offline':
      return 'OCPP_NONE';
  }
}

/**
 * The user assignment a meter signs into every record of a transaction. Tokens the CSMS vouched for are
 * TRUSTED, also through the local list it sent (OCMF's "authorization by backend", flagged OCPP_WHITELIST);
 * unknown tokens accepted while offline are only HEARSAY. ID is always the token value as presented.
 */
export function ocmfIdentification(token: IdToken, source: AuthorizationSource, overTls: boolean): OcmfIdentification {
  const rfid: OcmfIdentificationFlag = token.type === 'ISO14443' || token.type === 'ISO15693' ? 'RFID_PLAIN' : 'RFID_NONE';
  const ocpp = ocppFlag(source, overTls);
  return {
    assigned: token.type !== 'NoAuthorization',
    level: source === 'Offline' ? 'HEARSAY' : 'TRUSTED',
    flags: [rfid, ocpp],
    type: OCMF_TYPE[token.type],
    data: token.value,
  };
}
