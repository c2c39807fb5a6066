import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { hashPassword } from './auth/passwords';
import { type Clock, SessionStore } from './auth/sessions';
import { buildParticipantsApp } from './http/app';
import { CsmsReader } from './csms/csms-reader';
import type { OrganizationLedger } from './ledger/organization-ledger';
import type { Organization } from './organizations';
import { STAFF_ROLE } from './routes/sign-in';
import { ParticipantsStore } from './store';
import type { PaymentProvider } from './payments/payment-provider';
import type { ThrottleLimits } from './http/throttles';

export interface ParticipantsServiceOptions {
  readonly organization: Organization;
  readonly ledger: OrganizationLedger;
  /** Which ledger `ledger` reaches: the users and ids remembered belong to one ledger, so each has its own store. */
  readonly ledgerKind: 'fabric' | 'embedded';
  /** The folder of the organization's users and records (the journal `<ledger>/<organization>.jsonl`). */
  readonly dataDir: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly services: Readonly<Record<Organization, string>>;
  /** The CSMS's admin API and the file holding a read-only key for it (never sent to a browser). */
  readonly csms: { readonly url: string; readonly keyFile: string; readonly recordsKeyFile?: string };
  /**
   * The first member of staff, created when no user of that name exists: how staff first sign in. The party
   * is the operator staff act for (operators only).
   */
  readonly firstStaff?: { readonly username: string; readonly password: string; readonly party?: string };
  /** Card payments for Wallets' top-ups; undefined: bank transfers recorded by staff only. */
  readonly payments?: PaymentProvider;
  readonly clock: Clock;
  readonly sessionTtlMs: number;
  readonly throttleLimits: ThrottleLimits;
  readonly logger: FastifyBaseLogger | false;
}

export interface RunningParticipantsService {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds one organization's service, creates its first member of staff if missing, and listens. */
export async function startParticipantsService(options: Readonly<ParticipantsServiceOptions>): Promise<RunningParticipantsService> {
  const store = await ParticipantsStore.open(path.join(options.dataDir, options.ledgerKind, `${options.organization}.jsonl`));
  const legacy = path.join(options.dataDir, `${options.organization}.json`);
  if (options.logger !== false && existsSync(legacy)) {
    // Which ledger its accounts and ids are on cannot be told: it is left as it is, for its owner to decide.
    options.logger.warn({ file: legacy }, 'a store from before stores were kept per ledger is not used: its users sign up again on this ledger');
  }
  const staffRole = STAFF_ROLE[options.organization];
  const first = options.firstStaff;
  const existing = first === undefined ? undefined : store.user(first.username);
  // The first member of staff of a store from before staff had admins is made one: someone must add staff.
  if (existing !== undefined && staffRole !== undefined && existing.role === staffRole && existing.admin !== true) await store.replaceUser({ ...existing, admin: true });
  if (first !== undefined && staffRole !== undefined && store.user(first.username) === undefined) {
    await store.addUser({ username: first.username, role: staffRole, admin: true, passwordHash: await hashPassword(first.password), ...(first.party === undefined ? {} : { party: first.party }), createdAtMs: options.clock.now() });
  }
  const sessions = new SessionStore({ clock: options.clock, ttlMs: options.sessionTtlMs });
  const app = await buildParticipantsApp({ organization: options.organization, ledger: options.ledger, store, sessions, clock: options.clock, ...(options.payments === undefined ? {} : { payments: options.payments }), confirmWithinMs: 20_000, throttleLimits: options.throttleLimits, services: options.services, csms: new CsmsReader(options.csms), logger: options.logger });
  const url = await app.listen({ host: options.host, port: options.port });
  return {
    url,
    app,
    close: async () => {
      await app.close();
      await options.ledger.close();
    },
  };
}
