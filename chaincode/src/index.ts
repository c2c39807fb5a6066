import { TariffContract } from './tariffs/tariff-contract';
import { RegistryContract } from './registry/registry-contract';
import { SessionContract } from './session/session-contract';
import { TradingContract } from './trading/trading-contract';
import { WalletContract } from './wallet/wallet-contract';
import { readPeerBatchOffers } from './core/peer-batches';
import { describeContracts } from './metadata/describe-contracts';
import { dropShimLogsBelowLevel } from './shim-logging';

dropShimLogsBelowLevel();
readPeerBatchOffers();

const CONTRACTS = [WalletContract, RegistryContract, TariffContract, SessionContract, TradingContract];
describeContracts(CONTRACTS);

/** The contracts `fabric-chaincode-node server` loads (package.json `main` → dist/index.js). */
export const contracts: unknown[] = CONTRACTS;

export * from './api';
