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

/**
 * The user assignment a meter signs into every record of a transaction. Tokens the CSMS vouched for are
 * TRUSTED; tokens accepted while offline are only HEARSAY. ID is always the token value as presented.
 */
export function ocmfIdentification(token: IdToken, source: AuthorizationSource, overTls: boolean): OcmfIdentification {
  const rfid: OcmfIdentificationFlag = token.type === 'ISO14443' || token.type === 'ISO15693' ? 'RFID_PLAIN' : 'RFID_NONE';
  const ocpp: OcmfIdentificationFlag =
    source === 'Csms' ? (overTls ? 'OCPP_AUTH_TLS' : 'OCPP_AUTH') : source === 'RemoteStart' ? (overTls ? 'OCPP_RS_TLS' : 'OCPP_RS') : 'OCPP_NONE';
  return {
    assigned: token.type !== 'NoAuthorization',
    level: source === 'Offline' ? 'HEARSAY' : 'TRUSTED',
    flags: [rfid, ocpp],
    type: OCMF_TYPE[token.type],
    data: token.value,
  };
}
