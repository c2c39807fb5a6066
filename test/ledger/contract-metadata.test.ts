import { type ContractMetadata, type TransactionMetadata, type TransactionName, TRANSACTIONS } from '@chargeledger/chaincode/api';
import { LedgerRefusal } from '@chargeledger/ledger-client';
import Ajv2020 from 'ajv/dist/2020';
import { anAcTariff, eventId, uniqueId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest, type Party } from '../../support/ledger/ledgers';

/**
 * The chaincode describes itself: `org.hyperledger.fabric:GetMetadata`, on every organization's peer, names
 * every transaction of ContractApi with its kind, its callers, and request and result schemas that say what
 * the chaincode itself accepts (ADR 0028).
 */

let ledger: LedgerUnderTest;
let metadata: ContractMetadata;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
  metadata = await ledger.metadata('operator');
});
afterAll(async () => {
  await ledger.close();
});

const NAMES = Object.keys(TRANSACTIONS) as TransactionName[];
const ONE_PER_ORGANIZATION: readonly Party[] = ['operator', 'prosumer', 'wallets', 'authority'];

function described(name: TransactionName): TransactionMetadata {
  const [contract, fn] = name.split(':') as [string, string];
  const transaction = metadata.contracts[contract]?.transactions.find((candidate) => candidate.name === fn);
  if (transaction === undefined) throw new Error(`GetMetadata does not name ${name}`);
  return transaction;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
const requestSchema = (name: TransactionName) => ajv.compile(described(name).parameters[0].schema.contentSchema);

it.each(ONE_PER_ORGANIZATION)("is answered as JSON by the %s's organization's peer, the same everywhere", async (party) => {
  const answer = await ledger.metadata(party);
  expect(answer.contracts).toEqual(metadata.contracts);
  expect(Object.keys(answer.contracts)).toEqual(expect.arrayContaining(['Wallet', 'Registry', 'Tariff', 'Session', 'Trading', 'org.hyperledger.fabric']));
});

it('names every transaction of ContractApi and no other', () => {
  const listed = Object.entries(metadata.contracts)
    .filter(([contract]) => contract !== 'org.hyperledger.fabric')
    .flatMap(([contract, { transactions }]) => transactions.map((transaction) => `${contract}:${transaction.name}`));
  expect(listed.sort()).toEqual([...NAMES].sort());
});

it.each(NAMES)('describes %s: kind, callers, and a request and a result schema', (name) => {
  const transaction = described(name);
  const { kind, callers } = TRANSACTIONS[name];
  expect(transaction.tag).toContain(kind === 'submit' ? 'SUBMIT' : 'EVALUATE');
  expect(transaction.callers.map((caller) => caller.mspId)).toEqual(callers);
  for (const schema of [transaction.parameters[0].schema, transaction.returns]) {
    expect(schema).toMatchObject({ type: 'string', contentMediaType: 'application/json', contentSchema: expect.any(Object) });
    expect(() => ajv.compile(schema.contentSchema)).not.toThrow();
  }
  // No request of any transaction may carry a member it does not name.
  expect(requestSchema(name)({ ...exampleMembers(name), unknownMember: 1 })).toBe(false);
});

it('names the certificate attribute that says which party a caller acts for', () => {
  expect(described('Session:openSession').callers).toEqual([{ mspId: 'OperatorsMSP', attribute: 'chargeledger.operatorId' }]);
  expect(described('Wallet:requestPayout').callers).toEqual([
    { mspId: 'OperatorsMSP', attribute: 'chargeledger.operatorId' },
    { mspId: 'ProsumersMSP', attribute: 'chargeledger.prosumerId' },
    { mspId: 'WalletsMSP' },
  ]);
});

describe('request schemas agree with the chaincode', () => {
  const accountId = uniqueId('acc-op');
  const requests = {
    'Wallet:openAccount': { eventId: eventId(), accountId, kind: 'operator', ownerId: 'op-1', currency: 'EUR' },
    'Wallet:topUp': { eventId: eventId(), accountId, amount: 1_000, reference: uniqueId('bank') },
    'Wallet:getAccount': { accountId },
    'Tariff:publishTariff': { eventId: eventId(), tariff: anAcTariff() },
  } as const;
  const caller: Record<keyof typeof requests, Party> = { 'Wallet:openAccount': 'wallets', 'Wallet:topUp': 'wallets', 'Wallet:getAccount': 'wallets', 'Tariff:publishTariff': 'operator' };

  it.each(Object.keys(requests) as (keyof typeof requests)[])('accepts the request %s that the ledger accepts, and both refuse it with an unknown member', async (name) => {
    const request = requests[name];
    const validate = requestSchema(name);
    expect(validate(request)).toBe(true);
    const party = ledger.party(caller[name]);
    const call = (body: unknown): Promise<unknown> => (TRANSACTIONS[name].kind === 'submit' ? party.submit(name, body as never) : party.evaluate(name, body as never));
    await expect(call(request)).resolves.toBeDefined();

    const withUnknown = { ...request, ...('eventId' in request ? { eventId: eventId() } : {}), unknownMember: true };
    expect(validate(withUnknown)).toBe(false);
    const refused = call(withUnknown);
    await expect(refused).rejects.toBeInstanceOf(LedgerRefusal);
    await expect(refused).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses an identifier the chaincode refuses', () => {
    expect(requestSchema('Wallet:getAccount')({ accountId: 'has a space' })).toBe(false);
    expect(requestSchema('Wallet:topUp')({ ...requests['Wallet:topUp'], amount: 0 })).toBe(false);
  });
});

/** The request's required members with a value of their schema's kind: enough to show that an extra member alone is refused. */
function exampleMembers(name: TransactionName): Record<string, unknown> {
  const schema = described(name).parameters[0].schema.contentSchema as { required?: string[] };
  return Object.fromEntries((schema.required ?? []).map((key) => [key, 'x']));
}
