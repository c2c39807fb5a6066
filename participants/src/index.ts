/** The participants' services: one per organization, each on its own ledger identity, with the dashboard. */
export { startParticipantsService, type ParticipantsServiceOptions, type RunningParticipantsService } from './service';
export { embeddedOrganizationLedger, fabricOrganizationLedger, type FabricOrganizationLedgerOptions, type OrganizationLedger } from './ledger/organization-ledger';
export { ORGANIZATIONS, ORGANIZATION_MSP, isOrganization, type Organization } from './organizations';
export type { Principal, Role } from './auth/sessions';
export { statementOf, type StatementEntry } from './routes/wallets';
export { CsmsReader, type ChargerLive, type ConnectorLive, type CsmsAnswer, type CsmsSession } from './csms/csms-reader';
