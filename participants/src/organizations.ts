import { IDENTITY_ATTRIBUTES, type MspId } from '@chargeledger/chaincode/api';

/** The four organizations of the channel; each runs its own participants' service. */
export const ORGANIZATIONS = ['wallets', 'operators', 'prosumers', 'authority'] as const;
export type Organization = (typeof ORGANIZATIONS)[number];

export const ORGANIZATION_MSP: Readonly<Record<Organization, MspId>> = {
  wallets: 'WalletsMSP',
  operators: 'OperatorsMSP',
  prosumers: 'ProsumersMSP',
  authority: 'AuthorityMSP',
};

/** The certificate attribute that binds an identity to a party inside its organization, where there is one. */
export const PARTY_ATTRIBUTE: Readonly<Record<Organization, string | undefined>> = {
  wallets: undefined,
  operators: IDENTITY_ATTRIBUTES.operatorId,
  prosumers: IDENTITY_ATTRIBUTES.prosumerId,
  authority: undefined,
};

export function isOrganization(value: string | undefined): value is Organization {
  return (ORGANIZATIONS as readonly string[]).includes(value ?? '');
}
