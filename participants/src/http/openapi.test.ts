import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SessionStore } from '../auth/sessions';
import { CsmsReader } from '../csms/csms-reader';
import type { OrganizationLedger } from '../ledger/organization-ledger';
import { ORGANIZATIONS, type Organization } from '../organizations';
import { ParticipantsStore } from '../store';
import { buildParticipantsApp } from './app';

/**
 * The OpenAPI document each service serves lists, for every route, every status it can answer with its body:
 * a client written from the document alone knows what comes back, not only "200 Default Response".
 */

interface Operation {
  readonly security?: unknown[];
  readonly parameters?: unknown[];
  readonly requestBody?: unknown;
  readonly responses: Record<string, { readonly description?: string; readonly content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }>;
}
type Document = { readonly paths: Record<string, Record<string, Operation>> };

/** No route reaches the ledger while the document is read: a ledger that is asked anything fails the test. */
const NO_LEDGER = new Proxy({}, { get: (_target, property) => (property === 'then' ? undefined : () => { throw new Error(`the ledger was asked ${String(property)}`); }) });

let dir: string;
const documents = new Map<Organization, Document>();
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'participants-openapi-'));
  const clock = { now: () => Date.now() };
  for (const organization of ORGANIZATIONS) {
    const ledger = { organization, ledger: NO_LEDGER, forParty: async () => NO_LEDGER, proof: async () => NO_LEDGER, close: async () => undefined } as unknown as OrganizationLedger;
    const app = await buildParticipantsApp({
      organization,
      ledger,
      store: await ParticipantsStore.open(path.join(dir, `${organization}.jsonl`)),
      sessions: new SessionStore({ clock, ttlMs: 60_000 }),
      clock,
      confirmWithinMs: 1_000,
      services: Object.fromEntries(ORGANIZATIONS.map((name) => [name, `http://127.0.0.1:1/${name}`])) as Record<Organization, string>,
      csms: new CsmsReader({ url: 'http://127.0.0.1:1', keyFile: path.join(dir, 'no-key') }),
      throttleLimits: { signInPerAccount: 10, signInPerAddress: 30, signUpPerAddress: 20 },
      logger: false,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      documents.set(organization, (await (await fetch(`${url}/api/openapi.json`)).json()) as Document);
    } finally {
      await app.close();
    }
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function operations(): { organization: Organization; route: string; operation: Operation }[] {
  return [...documents].flatMap(([organization, document]) =>
    Object.entries(document.paths).flatMap(([url, methods]) => Object.entries(methods).map(([method, operation]) => ({ organization, route: `${method.toUpperCase()} ${url}`, operation }))),
  );
}

const statusesOf = (organization: Organization, route: string): string[] => {
  const [method = '', url = ''] = route.split(' ');
  const operation = documents.get(organization)?.paths[url]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`${organization} has no ${route}`);
  return Object.keys(operation.responses).sort();
};

it('lists a success and the error statuses of every route, each error with its JSON body', () => {
  expect(operations().length).toBeGreaterThan(40);
  for (const { organization, route, operation } of operations()) {
    const statuses = Object.keys(operation.responses);
    const where = `${organization} ${route}`;
    expect({ where, success: statuses.filter((status) => status.startsWith('2')).length > 0 }).toEqual({ where, success: true });
    expect({ where, undescribed: statuses.filter((status) => operation.responses[status]?.description === 'Default Response') }).toEqual({ where, undescribed: [] });
    for (const status of statuses.filter((candidate) => /^[45]/.test(candidate))) {
      expect({ where, status, body: Object.keys(operation.responses[status]?.content?.['application/json']?.schema?.properties ?? {}) }).toEqual({ where, status, body: expect.arrayContaining(['error']) });
    }
    // What every route of a kind answers before its handler runs.
    const expected = [
      ...(operation.security !== undefined && operation.security.length > 0 ? ['401', '403'] : []),
      ...((operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined ? ['400'] : []),
      ...(route.startsWith('POST ') && !route.includes('/webhook') ? ['409', '422'] : []),
    ];
    expect({ where, statuses }).toEqual({ where, statuses: expect.arrayContaining(expected) });
  }
});

it('lists what each kind of route answers: created, throttled, refused by the ledger or the ledger unreachable', () => {
  expect(statusesOf('authority', 'POST /api/meters')).toEqual(['201', '400', '401', '403', '404', '409', '422', '503']);
  expect(statusesOf('wallets', 'POST /api/drivers')).toEqual(['201', '400', '403', '404', '409', '422', '429', '503']);
  expect(statusesOf('wallets', 'POST /api/session')).toEqual(['200', '400', '401', '409', '422', '429']);
  expect(statusesOf('wallets', 'GET /api/me')).toEqual(['200', '401', '403']);
  expect(statusesOf('wallets', 'GET /api/accounts/{accountId}')).toEqual(['200', '400', '401', '403', '404', '409', '422', '503']);
  expect(statusesOf('wallets', 'POST /api/accounts/{accountId}/cards')).toEqual(expect.arrayContaining(['201', '202']));
  expect(statusesOf('operators', 'POST /api/tariffs')).toEqual(expect.arrayContaining(['201', '422', '503']));
  expect(statusesOf('operators', 'GET /api/chargers')).toEqual(['200', '401', '403']);
  expect(statusesOf('prosumers', 'POST /api/prosumers')).toEqual(expect.arrayContaining(['201', '429', '503']));
});

it('describes the ledger\'s refusals with the chaincode\'s code and reason', () => {
  const refused = documents.get('wallets')?.paths['/api/accounts/{accountId}']?.['get']?.responses['422'];
  expect(refused?.content?.['application/json']?.schema?.properties).toEqual(expect.objectContaining({ error: expect.anything(), code: expect.anything(), reason: expect.anything() }));
  expect(refused?.description).toMatch(/LedgerRefusal/);
});
