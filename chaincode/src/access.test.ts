import { isOperatorMsp, TRANSACTIONS, type MspId, type TransactionName } from './api';
import { CHANNEL_ORGS } from './testing/network';
import { aNetwork } from './testing/fixtures';

/** `OperatorsMSP` among a transaction's callers admits every operator organization (ADR 0038). */
const mayCall = (name: TransactionName, msp: MspId): boolean => {
  const callers = TRANSACTIONS[name].callers as readonly MspId[];
  return callers.includes(msp) || (isOperatorMsp(msp) && callers.includes('OperatorsMSP'));
};
const refusals = (Object.keys(TRANSACTIONS) as TransactionName[]).flatMap((name) => CHANNEL_ORGS.filter((msp) => !mayCall(name, msp)).map((msp) => [name, msp] as const));

describe('Access by MSP ID', () => {
  it('lists exactly the transactions the contracts expose', () => {
    expect(aNetwork().network.transactionNames().sort()).toEqual(Object.keys(TRANSACTIONS).sort());
  });

  it.each(refusals)('refuses %s to %s before reading the request', async (name, msp) => {
    const cast = aNetwork();
    const call = TRANSACTIONS[name].kind === 'submit' ? cast.network.submit.bind(cast.network) : cast.network.evaluate.bind(cast.network);
    await expect(call(cast.as(msp), name, {} as never)).rejects.toMatchObject({ name: 'EndorseError', code: 'ACCESS_DENIED' });
  });
});
