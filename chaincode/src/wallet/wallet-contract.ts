import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { isOperatorMsp, WALLETS_PRIVATE_COLLECTION, type Account, type IdTokenLink, type LedgerEntry, type TransactionName } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import { ALL_MSPS, evaluate, submit, submitPrivate, type SubmitSpec } from '../core/submit-evaluate';
import { requireMsp, requireOperator, requireProsumer } from '../core/access';
import { activeAccount, credit, fundsOf, loadAccount, protectAccount, touchDriver, viewOf } from './accounts';
import { completePayout, confirmPayoutDestination, loadPayout, requestPayout, returnPayout, type PayoutRequester } from './payouts';
import { loadPayment, recordPayment } from './payments';
import { forgetIdToken, indexIdToken, setDriverProfile, setTokenPepper } from './private-records';
import { resolveIdToken } from './resolve';
import { WALLET_REQUESTS } from './requests';
import { loadLink } from './tokens';


@Info({ title: 'Wallet', description: 'E-wallet accounts, top-ups, holds and the id token link' })
export class WalletContract extends Contract {
  constructor() {
    super('Wallet');
  }

  @Transaction()
  @Returns('string')
  async openAccount(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:openAccount',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:openAccount'],
      run: async (tx, req) => {
        const key = tx.key(KEY.account, req.accountId);
        if ((await tx.get<Account>(key)) !== undefined) refuse('ALREADY_EXISTS', `account ${req.accountId} exists`);
        const isDriver = req.kind === 'driver';
        if (isDriver !== (req.sessionLimit !== undefined)) refuse('BAD_REQUEST', 'sessionLimit is required for drivers only');
        if (isDriver === (req.ownerId !== undefined)) refuse('BAD_REQUEST', 'ownerId is required for operators and prosumers only');
        const account: Account = {
          accountId: req.accountId,
          kind: req.kind,
          ownerId: req.ownerId,
          currency: req.currency,
          sessionLimit: req.sessionLimit,
          status: 'active',
          debited: 0,
          seq: 0,
          createdTxId: tx.txId,
        };
        await tx.put(key, account);
        await protectAccount(tx, account);
        tx.emit('AccountOpened', { accountId: req.accountId, kind: req.kind });
        return account;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async topUp(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:topUp',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:topUp'],
      run: async (tx, req) => {
        const account = await touchDriver(tx, await activeAccount(tx, req.accountId));
        await recordPayment(tx, account, req);
        const funds = await fundsOf(tx, account);
        await credit(tx, req.accountId, req.amount, 'top-up', req.reference);
        tx.emit('AccountToppedUp', { accountId: req.accountId, amount: req.amount });
        return viewOf(account, { ...funds, balance: funds.balance + req.amount, available: funds.available + req.amount });
      },
    });
  }

  /** The owner asks; see RequestPayoutRequest for who the owner is. */
  @Transaction()
  @Returns('string')
  async requestPayout(ctx: Context, request: string): Promise<string> {
    const requester = await payoutRequester(ctx);
    return submit(ctx, request, {
      name: 'Wallet:requestPayout',
      callers: ['OperatorsMSP', 'ProsumersMSP', 'WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:requestPayout'],
      run: (tx, req) => requestPayout(tx, requester, req),
    });
  }

  @Transaction()
  @Returns('string')
  async confirmPayoutDestination(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:confirmPayoutDestination',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:confirmPayoutDestination'],
      run: confirmPayoutDestination,
    });
  }

  @Transaction()
  @Returns('string')
  async payout(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:payout',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:payout'],
      run: completePayout,
    });
  }

  @Transaction()
  @Returns('string')
  async returnPayout(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:returnPayout',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:returnPayout'],
      run: returnPayout,
    });
  }

  @Transaction()
  @Returns('string')
  async setSessionLimit(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:setSessionLimit',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:setSessionLimit'],
      run: async (tx, req) => {
        const account = await activeAccount(tx, req.accountId);
        if (account.kind !== 'driver') refuse('BAD_REQUEST', 'only driver accounts have a session limit');
        const updated: Account = { ...account, sessionLimit: req.sessionLimit, seq: account.seq + 1 };
        await tx.put(tx.key(KEY.account, req.accountId), updated);
        tx.emit('SessionLimitChanged', { accountId: req.accountId, sessionLimit: req.sessionLimit });
        return updated;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async setTokenPepper(ctx: Context, request: string): Promise<string> {
    return submitPrivate(ctx, request, walletsOnly({ name: 'Wallet:setTokenPepper', request: WALLET_REQUESTS['Wallet:setTokenPepper'], run: (tx) => setTokenPepper(tx) }));
  }

  @Transaction()
  @Returns('string')
  async setDriverProfile(ctx: Context, request: string): Promise<string> {
    return submitPrivate(
      ctx,
      request,
      walletsOnly({ name: 'Wallet:setDriverProfile', request: WALLET_REQUESTS['Wallet:setDriverProfile'], run: setDriverProfile }),
    );
  }

  @Transaction()
  @Returns('string')
  async linkIdToken(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:linkIdToken',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:linkIdToken'],
      run: async (tx, req) => {
        const account = await activeAccount(tx, req.accountId);
        if (account.kind !== 'driver') refuse('BAD_REQUEST', 'id tokens link to driver accounts');
        if ((await loadLink(tx, req.accountId, req.tokenRef)) !== undefined) refuse('ALREADY_EXISTS', `token ${req.tokenRef} exists`);
        const link: IdTokenLink = { accountId: req.accountId, tokenRef: req.tokenRef, proofHash: req.proofHash, status: 'active' };
        await tx.put(tx.key(KEY.tokenLink, req.accountId, req.tokenRef), link);
        tx.emit('IdTokenLinked', { accountId: req.accountId, tokenRef: req.tokenRef });
        return link;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async indexIdToken(ctx: Context, request: string): Promise<string> {
    return submitPrivate(
      ctx,
      request,
      walletsOnly({
        name: 'Wallet:indexIdToken',
        request: WALLET_REQUESTS['Wallet:indexIdToken'],
        run: indexIdToken,
      }),
    );
  }

  @Transaction()
  @Returns('string')
  async unlinkIdToken(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Wallet:unlinkIdToken',
      callers: ['WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:unlinkIdToken'],
      run: async (tx, req) => {
        const link = await loadLink(tx, req.accountId, req.tokenRef);
        if (link === undefined || link.status !== 'active') refuse('NOT_FOUND', `no active token ${req.tokenRef}`);
        const revoked: IdTokenLink = { ...link, status: 'revoked' };
        await tx.put(tx.key(KEY.tokenLink, req.accountId, req.tokenRef), revoked);
        tx.emit('IdTokenUnlinked', { accountId: req.accountId, tokenRef: req.tokenRef });
        return revoked;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async forgetIdToken(ctx: Context, request: string): Promise<string> {
    return submitPrivate(ctx, request, walletsOnly({ name: 'Wallet:forgetIdToken', request: WALLET_REQUESTS['Wallet:forgetIdToken'], run: forgetIdToken }));
  }

  /** Evaluate on a WalletsMSP peer: only there is the token index readable. */
  @Transaction(false)
  @Returns('string')
  async resolveIdToken(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Wallet:resolveIdToken',
      callers: ['OperatorsMSP', 'WalletsMSP'],
      request: WALLET_REQUESTS['Wallet:resolveIdToken'],
      run: resolveIdToken,
    });
  }

  @Transaction(false)
  @Returns('string')
  async getAccount(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Wallet:getAccount',
      callers: ALL_MSPS,
      request: WALLET_REQUESTS['Wallet:getAccount'],
      run: async (tx, req) => {
        const account = await loadAccount(tx, req.accountId);
        return viewOf(account, await fundsOf(tx, account));
      },
    });
  }

  @Transaction(false)
  @Returns('string')
  async getPayout(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Wallet:getPayout',
      callers: ALL_MSPS,
      request: WALLET_REQUESTS['Wallet:getPayout'],
      run: (tx, req) => loadPayout(tx, req.accountId, req.payoutId),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getPayment(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Wallet:getPayment',
      callers: ALL_MSPS,
      request: WALLET_REQUESTS['Wallet:getPayment'],
      run: (tx, req) => loadPayment(tx, req.reference),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getHistory(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Wallet:getHistory',
      callers: ALL_MSPS,
      request: WALLET_REQUESTS['Wallet:getHistory'],
      run: async (tx, req) => {
        await loadAccount(tx, req.accountId);
        const entries = (await tx.list<LedgerEntry>(KEY.entry, req.accountId)).map((listed) => listed.value);
        return { accountId: req.accountId, entries: [...entries].sort((a, b) => a.timestampMs - b.timestampMs) };
      },
    });
  }
}

/** A transaction of the Wallets private collection: WalletsMSP callers, WalletsMSP peers, collection-only writes. */
function walletsOnly<T extends TransactionName>(
  spec: Omit<SubmitSpec<T>, 'callers'>,
): SubmitSpec<T> & { readonly collection: string; readonly memberMsp: 'WalletsMSP' } {
  return { ...spec, callers: ['WalletsMSP'], collection: WALLETS_PRIVATE_COLLECTION, memberMsp: 'WalletsMSP' };
}

/** `OperatorsMSP` is the role of every operator organization; the operator is the one bound to the caller's MSP. */
async function payoutRequester(ctx: Context): Promise<PayoutRequester> {
  const { mspId } = requireMsp(ctx, ['OperatorsMSP', 'ProsumersMSP', 'WalletsMSP']);
  if (isOperatorMsp(mspId)) return { mspId: 'OperatorsMSP', partyId: await requireOperator(ctx) };
  if (mspId === 'ProsumersMSP') return { mspId, partyId: requireProsumer(ctx) };
  return { mspId: 'WalletsMSP' };
}
