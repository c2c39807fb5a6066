import { readFileSync } from 'node:fs';
import { generateSchemas, OUTPUT, renderSchemas } from '../../scripts/result-schemas';
import { TRANSACTIONS } from '../api';
import { REQUESTS } from './requests';

describe('the schemas GetMetadata publishes', () => {
  it('are the result types of chaincode/src/api as they are now (else run npx tsx chaincode/scripts/result-schemas.ts)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(renderSchemas(generateSchemas()));
  });

  it('cover every transaction of ContractApi, request and result', () => {
    const { results } = generateSchemas();
    expect(Object.keys(results).sort()).toEqual(Object.keys(TRANSACTIONS).sort());
    expect(Object.keys(REQUESTS).sort()).toEqual(Object.keys(TRANSACTIONS).sort());
  });

  it('say of a request what the chaincode reads: the event id first, no member besides those named', () => {
    expect(REQUESTS['Wallet:topUp'].members).toEqual(['eventId', 'accountId', 'amount', 'reference']);
    expect(REQUESTS['Wallet:topUp'].schema).toMatchObject({ additionalProperties: false, required: ['eventId', 'accountId', 'amount', 'reference'] });
    expect(REQUESTS['Wallet:openAccount'].schema).toMatchObject({ required: ['eventId', 'accountId', 'kind', 'currency'] });
  });
});
