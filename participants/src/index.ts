/** The participants' services: one per organization, each on its own ledger identity, with the dashboard. */
export { startParticipantsService, type ParticipantsServiceOptions, type RunningParticipantsService } from './service';
export type { OrganizationLedger } from './ledger/organization-ledger';
export type { Organization } from './organizations';
export { statementOf } from './routes/wallets';
