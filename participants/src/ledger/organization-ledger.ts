import type { MspId } from '@chargeledger/chaincode/api';
import type { EmbeddedGatewayClient } from '@chargeledger/embedded-ledger';
import { type ChargingLedger, connectAs, type FabricIdentityConnection, type NetworkDescription } from '@chargeledger/ledger-client';
import { fabricBlockSource, gatherEmbeddedProof, gatherFabricProof, type ReceiptProof } from '@chargeledger/verifier';
import { ORGANIZATION_MSP, type Organization, PARTY_ATTRIBUTE } from '../organizations';

/**
 * The ledger as one organization's service reaches it. Operators and prosumers are parties inside their
 * organizations: the chaincode reads which one from the caller's certificate, so each acts with an identity
 * of its own, never with another's.
 */
export interface OrganizationLedger {
  readonly organization: Organization;
  /** The organization's own identity (Wallets, the Authority), or its default party's. */
  readonly ledger: ChargingLedger;
  /** The identity acting for one operator or prosumer; on Fabric it is enrolled with the organization's CA when missing. */
  forParty(partyId: string): Promise<ChargingLedger>;
  /**
   * A settlement's proof, gathered as `npm run verify` gathers it: on Fabric from this organization's peer and
   * another organization's, asked with this organization's identity.
   */
  proof(sessionId: string, transactionId: string, ocmfRecords: readonly string[]): Promise<ReceiptProof>;
  close(): Promise<void>;
}

/**
 * Through the embedded ledger's loopback gateway, whose key lets its holder act for any identity of its
 * organization. `mspId` is the organization's MSP where it is not the kind's own (Operators2MSP for a second
 * operator's Operators' service).
 */
export function embeddedOrganizationLedger(client: EmbeddedGatewayClient, organization: Organization, defaultParty?: string, mspId: MspId = ORGANIZATION_MSP[organization]): OrganizationLedger {
  const attribute = PARTY_ATTRIBUTE[organization];
  const as = (partyId: string | undefined): ChargingLedger =>
    client.as({ mspId, attributes: attribute === undefined || partyId === undefined ? {} : { [attribute]: partyId } });
  return {
    organization,
    ledger: as(defaultParty),
    forParty: async (partyId) => as(partyId),
    proof: (sessionId, transactionId, ocmfRecords) => gatherEmbeddedProof({ sessionId, transactionId, readBlock: (number) => client.block(number), ocmfRecords }),
    close: async () => undefined,
  };
}

export interface FabricOrganizationLedgerOptions {
  readonly organization: Organization;
  /**
   * The organization's name in the network's description and network.sh (`operators2` for the second operator's
   * Operators' service); undefined: the organization's own.
   */
  readonly networkOrganization?: string;
  readonly readDescription: () => Promise<NetworkDescription>;
  /** The organization's identity (network.sh enrolls operators/bridge, prosumers/prosumer, wallets/wallet-service, authority/metering-authority). */
  readonly identity: string;
  /** The party that identity acts for, if any (its certificate's attribute). */
  readonly defaultParty?: string;
  /** Registers and enrolls a client identity with the organization's CA (network.sh enroll). */
  readonly enroll: (organization: string, name: string, attributes: Readonly<Record<string, string>>) => Promise<void>;
}

/** Every party of this organization on the Fabric network: the identity named `party-<id>`, enrolled when first needed. */
export async function fabricOrganizationLedger(options: Readonly<FabricOrganizationLedgerOptions>): Promise<OrganizationLedger> {
  const { organization } = options;
  const member = options.networkOrganization ?? organization;
  const own = await connectAs(await options.readDescription(), member, options.identity);
  const parties = new Map<string, Promise<FabricIdentityConnection>>();
  if (options.defaultParty !== undefined) parties.set(options.defaultParty, Promise.resolve(own));
  const connectParty = async (partyId: string): Promise<FabricIdentityConnection> => {
    const name = `party-${partyId}`;
    let description = await options.readDescription();
    const attribute = PARTY_ATTRIBUTE[organization];
    if (description.organizations[member]?.identities[name] === undefined) {
      if (attribute === undefined) throw new Error(`${organization} has no parties`);
      await options.enroll(member, name, { [attribute]: partyId });
      description = await options.readDescription();
    }
    return connectAs(description, member, name);
  };
  return {
    organization,
    ledger: own.ledger,
    forParty: async (partyId) => {
      let connection = parties.get(partyId);
      if (connection === undefined) {
        connection = connectParty(partyId);
        parties.set(partyId, connection);
        connection.catch(() => parties.delete(partyId));
      }
      return (await connection).ledger;
    },
    proof: async (sessionId, transactionId, ocmfRecords) => {
      const description = await options.readDescription();
      const other = Object.keys(description.organizations).find((candidate) => candidate !== member) ?? member;
      const sources = [await fabricBlockSource(description, member, member, options.identity), await fabricBlockSource(description, other, member, options.identity)];
      try {
        return await gatherFabricProof({ channel: description.channel, chaincode: description.chaincode, sessionId, transactionId, sources, ocmfRecords });
      } finally {
        for (const source of sources) source.close();
      }
    },
    close: async () => {
      own.close();
      for (const connection of parties.values()) (await connection.catch(() => undefined))?.close();
    },
  };
}
