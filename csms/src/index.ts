export { buildCsms, type Csms, type CsmsOptions } from './app';
export { apiKeyRecord, type ApiKeyRecord, type Role } from './api/auth';
export { systemClock, type Clock } from './domain/clock';
export { SECURITY_PROFILES, type SecurityProfile } from './domain/security-profiles';
export type { CsmsTls } from './tls';
export { createLogger } from './logger';
export { EventPublisher, QueueUnavailableError } from './queue/publisher';
export type { LedgerAuthorizationOptions } from './app';
export type { WhenLedgerUnavailable } from './domain/authorization';
