import type { IDENTITY_ATTRIBUTES, MspId } from './common';
import type { AdmitOperatorRequest, OperatorOrganization, OperatorQuery, AllowUnsignedMeterDataRequest, Ev, Meter, MeterQuery, NearQuery, NearResult, PublishTariffRequest, RegisterEvRequest, RegisterMeterRequest, RegisterStationRequest, RevokeMeterKeyRequest, RevokeUnsignedMeterDataRequest, RotateMeterKeyRequest, Station, StationQuery, TariffQuery, TariffRecord, UnsignedMeterDataPermission, UpdateStationRequest } from './registry';
import type { AbandonSessionRequest, AbandonSessionResult, AuthorizationVerdict, AuthorizeIdTokenQuery, CloseSessionRequest, CloseSessionResult, CloseSessionsRequest, CloseSessionsResult, OpenSessionRequest, OpenSessionResult, OpenSessionsRequest, OpenSessionsResult, Receipt, RecordProgressRequest, RecordProgressResult, SessionQuery, SessionView } from './session';
import type { AcceptOfferRequest, DeliverySettlement, ExpireOfferRequest, Offer, OfferQuery, OpenOffersResult, PostOfferRequest, SettleDeliveryRequest, Trade } from './trading';
import type { Account, AccountQuery, AccountView, ConfirmPayoutDestinationRequest, Payment, PaymentQuery, PayoutDestination, HistoryQuery, HistoryResult, ForgetIdTokenRequest, Payout, PayoutQuery, RequestPayoutRequest, ReturnPayoutRequest, IdTokenLink, IndexIdTokenRequest, LinkIdTokenRequest, OpenAccountRequest, PayoutRequest, ResolveIdTokenResult, SetDriverProfileRequest, SetSessionLimitRequest, SetTokenPepperRequest, TopUpRequest, UnlinkIdTokenRequest } from './wallet';

/** Submitted transactions are ordered and committed; evaluated ones are answered by one peer and never recorded. */
export type TxKind = 'submit' | 'evaluate';

interface Tx<Req, Res, K extends TxKind, Callers extends MspId> {
  readonly request: Req;
  readonly result: Res;
  readonly kind: K;
  readonly callers: Callers;
}

/** `Contract:function` → request, result, submit/evaluate, and the MSPs allowed to call it. */
export interface ContractApi {
  'Wallet:openAccount': Tx<OpenAccountRequest, Account, 'submit', 'WalletsMSP'>;
  'Wallet:topUp': Tx<TopUpRequest, AccountView, 'submit', 'WalletsMSP'>;
  /** The owner of the account: OperatorsMSP or ProsumersMSP with its party attribute, WalletsMSP for drivers. */
  'Wallet:requestPayout': Tx<RequestPayoutRequest, Payout, 'submit', 'OperatorsMSP' | 'ProsumersMSP' | 'WalletsMSP'>;
  'Wallet:payout': Tx<PayoutRequest, Payout, 'submit', 'WalletsMSP'>;
  'Wallet:returnPayout': Tx<ReturnPayoutRequest, Payout, 'submit', 'WalletsMSP'>;
  'Wallet:getPayout': Tx<PayoutQuery, Payout, 'evaluate', MspId>;
  /** A driver's bank account, confirmed by the driver while signed in at Wallets. */
  'Wallet:confirmPayoutDestination': Tx<ConfirmPayoutDestinationRequest, PayoutDestination, 'submit', 'WalletsMSP'>;
  'Wallet:getPayment': Tx<PaymentQuery, Payment, 'evaluate', MspId>;
  'Wallet:setSessionLimit': Tx<SetSessionLimitRequest, Account, 'submit', 'WalletsMSP'>;
  /** Wallets peers only (as for indexIdToken, forgetIdToken, setDriverProfile): endorse with WalletsMSP alone. */
  'Wallet:setTokenPepper': Tx<SetTokenPepperRequest, { readonly set: true }, 'submit', 'WalletsMSP'>;
  'Wallet:setDriverProfile': Tx<SetDriverProfileRequest, { readonly accountId: string }, 'submit', 'WalletsMSP'>;
  'Wallet:linkIdToken': Tx<LinkIdTokenRequest, IdTokenLink, 'submit', 'WalletsMSP'>;
  'Wallet:indexIdToken': Tx<IndexIdTokenRequest, { readonly accountId: string; readonly tokenRef: string }, 'submit', 'WalletsMSP'>;
  'Wallet:forgetIdToken': Tx<ForgetIdTokenRequest, { readonly accountId: string; readonly tokenRef: string }, 'submit', 'WalletsMSP'>;
  'Wallet:unlinkIdToken': Tx<UnlinkIdTokenRequest, IdTokenLink, 'submit', 'WalletsMSP'>;
  /** Evaluate on a WalletsMSP peer (the only members of the private collection). */
  'Wallet:resolveIdToken': Tx<Record<string, never>, ResolveIdTokenResult, 'evaluate', 'OperatorsMSP' | 'WalletsMSP'>;
  'Wallet:getAccount': Tx<AccountQuery, AccountView, 'evaluate', MspId>;
  'Wallet:getHistory': Tx<HistoryQuery, HistoryResult, 'evaluate', MspId>;

  /** The Authority admits an operator's organization, co-endorsed by Wallets (the chaincode policy, ADR 0038). */
  'Registry:admitOperator': Tx<AdmitOperatorRequest, OperatorOrganization, 'submit', 'AuthorityMSP'>;
  'Registry:getOperator': Tx<OperatorQuery, OperatorOrganization, 'evaluate', MspId>;
  'Registry:registerStation': Tx<RegisterStationRequest, Station, 'submit', 'OperatorsMSP'>;
  'Registry:updateStation': Tx<UpdateStationRequest, Station, 'submit', 'OperatorsMSP'>;
  'Registry:registerEv': Tx<RegisterEvRequest, Ev, 'submit', 'WalletsMSP'>;
  'Registry:registerMeter': Tx<RegisterMeterRequest, Meter, 'submit', 'AuthorityMSP'>;
  'Registry:rotateMeterKey': Tx<RotateMeterKeyRequest, Meter, 'submit', 'AuthorityMSP'>;
  'Registry:revokeMeterKey': Tx<RevokeMeterKeyRequest, Meter, 'submit', 'AuthorityMSP'>;
  'Registry:allowUnsignedMeterData': Tx<AllowUnsignedMeterDataRequest, UnsignedMeterDataPermission, 'submit', 'AuthorityMSP'>;
  'Registry:revokeUnsignedMeterData': Tx<RevokeUnsignedMeterDataRequest, UnsignedMeterDataPermission, 'submit', 'AuthorityMSP'>;
  'Registry:getStation': Tx<StationQuery, Station, 'evaluate', MspId>;
  'Registry:findStationsNear': Tx<NearQuery, NearResult, 'evaluate', MspId>;
  'Registry:getMeter': Tx<MeterQuery, Meter, 'evaluate', MspId>;

  'Tariff:publishTariff': Tx<PublishTariffRequest, TariffRecord, 'submit', 'OperatorsMSP'>;
  'Tariff:getTariff': Tx<TariffQuery, TariffRecord, 'evaluate', MspId>;

  'Session:openSession': Tx<OpenSessionRequest, OpenSessionResult, 'submit', 'OperatorsMSP'>;
  'Session:openSessions': Tx<OpenSessionsRequest, OpenSessionsResult, 'submit', 'OperatorsMSP'>;
  'Session:recordProgress': Tx<RecordProgressRequest, RecordProgressResult, 'submit', 'OperatorsMSP'>;
  'Session:closeSession': Tx<CloseSessionRequest, CloseSessionResult, 'submit', 'OperatorsMSP'>;
  'Session:closeSessions': Tx<CloseSessionsRequest, CloseSessionsResult, 'submit', 'OperatorsMSP'>;
  'Session:abandonSession': Tx<AbandonSessionRequest, AbandonSessionResult, 'submit', 'OperatorsMSP' | 'WalletsMSP'>;
  /** Evaluate on a WalletsMSP peer, with the raw token in the transient map (`idToken`). */
  'Session:authorizeIdToken': Tx<AuthorizeIdTokenQuery, AuthorizationVerdict, 'evaluate', 'OperatorsMSP'>;
  'Session:getSession': Tx<SessionQuery, SessionView, 'evaluate', MspId>;
  'Session:getReceipt': Tx<SessionQuery, Receipt, 'evaluate', MspId>;

  'Trading:postOffer': Tx<PostOfferRequest, Offer, 'submit', 'ProsumersMSP'>;
  'Trading:acceptOffer': Tx<AcceptOfferRequest, Trade, 'submit', 'OperatorsMSP'>;
  'Trading:settleDelivery': Tx<SettleDeliveryRequest, DeliverySettlement, 'submit', 'OperatorsMSP' | 'ProsumersMSP'>;
  'Trading:expireOffer': Tx<ExpireOfferRequest, Offer, 'submit', 'OperatorsMSP' | 'ProsumersMSP'>;
  'Trading:getOffer': Tx<OfferQuery, Offer & { readonly trades: readonly Trade[] }, 'evaluate', MspId>;
  'Trading:listOpenOffers': Tx<Record<string, never>, OpenOffersResult, 'evaluate', MspId>;
}

export type TransactionName = keyof ContractApi;
export type RequestOf<T extends TransactionName> = ContractApi[T]['request'];
export type ResultOf<T extends TransactionName> = ContractApi[T]['result'];

export interface TransactionDescriptor<K extends TransactionName> {
  readonly kind: ContractApi[K]['kind'];
  readonly callers: readonly ContractApi[K]['callers'][];
  /** The certificate attribute (IDENTITY_ATTRIBUTES) a caller of that MSP must carry: the party it acts for. */
  readonly roles?: { readonly [M in ContractApi[K]['callers']]?: keyof typeof IDENTITY_ATTRIBUTES };
}

const ALL: readonly MspId[] = ['OperatorsMSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'];
const submitBy = <M extends MspId>(...callers: M[]): { readonly kind: 'submit'; readonly callers: readonly M[] } => ({ kind: 'submit', callers });
const query = { kind: 'evaluate', callers: ALL } as const;
const asOperator = { OperatorsMSP: 'operatorId' } as const;
const asParty = { OperatorsMSP: 'operatorId', ProsumersMSP: 'prosumerId' } as const;

/** The same table at run time: whether each transaction is submitted or evaluated, and who may call it. */
export const TRANSACTIONS: { readonly [K in TransactionName]: TransactionDescriptor<K> } = {
  'Wallet:openAccount': submitBy('WalletsMSP'),
  'Wallet:topUp': submitBy('WalletsMSP'),
  'Wallet:requestPayout': { ...submitBy('OperatorsMSP', 'ProsumersMSP', 'WalletsMSP'), roles: asParty },
  'Wallet:payout': submitBy('WalletsMSP'),
  'Wallet:returnPayout': submitBy('WalletsMSP'),
  'Wallet:getPayout': query,
  'Wallet:confirmPayoutDestination': submitBy('WalletsMSP'),
  'Wallet:getPayment': query,
  'Wallet:setSessionLimit': submitBy('WalletsMSP'),
  'Wallet:setTokenPepper': submitBy('WalletsMSP'),
  'Wallet:setDriverProfile': submitBy('WalletsMSP'),
  'Wallet:linkIdToken': submitBy('WalletsMSP'),
  'Wallet:indexIdToken': submitBy('WalletsMSP'),
  'Wallet:forgetIdToken': submitBy('WalletsMSP'),
  'Wallet:unlinkIdToken': submitBy('WalletsMSP'),
  'Wallet:resolveIdToken': { kind: 'evaluate', callers: ['OperatorsMSP', 'WalletsMSP'] },
  'Wallet:getAccount': query,
  'Wallet:getHistory': query,
  'Registry:admitOperator': submitBy('AuthorityMSP'),
  'Registry:getOperator': query,
  'Registry:registerStation': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Registry:updateStation': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Registry:registerEv': submitBy('WalletsMSP'),
  'Registry:registerMeter': submitBy('AuthorityMSP'),
  'Registry:rotateMeterKey': submitBy('AuthorityMSP'),
  'Registry:revokeMeterKey': submitBy('AuthorityMSP'),
  'Registry:allowUnsignedMeterData': submitBy('AuthorityMSP'),
  'Registry:revokeUnsignedMeterData': submitBy('AuthorityMSP'),
  'Registry:getStation': query,
  'Registry:findStationsNear': query,
  'Registry:getMeter': query,
  'Tariff:publishTariff': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Tariff:getTariff': query,
  'Session:openSession': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Session:openSessions': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Session:recordProgress': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Session:closeSession': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Session:closeSessions': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Session:abandonSession': { ...submitBy('OperatorsMSP', 'WalletsMSP'), roles: asOperator },
  'Session:authorizeIdToken': { kind: 'evaluate', callers: ['OperatorsMSP'], roles: asOperator },
  'Session:getSession': query,
  'Session:getReceipt': query,
  'Trading:postOffer': { ...submitBy('ProsumersMSP'), roles: { ProsumersMSP: 'prosumerId' } },
  'Trading:acceptOffer': { ...submitBy('OperatorsMSP'), roles: asOperator },
  'Trading:settleDelivery': { ...submitBy('OperatorsMSP', 'ProsumersMSP'), roles: asParty },
  'Trading:expireOffer': { ...submitBy('OperatorsMSP', 'ProsumersMSP'), roles: asParty },
  'Trading:getOffer': query,
  'Trading:listOpenOffers': query,
};
