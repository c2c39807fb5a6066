import type { RequestShapes } from '../core/request-shapes';
import { REGISTRY_REQUESTS } from '../registry/requests';
import { SESSION_REQUESTS } from '../session/requests';
import { TARIFF_REQUESTS } from '../tariffs/requests';
import { TRADING_REQUESTS } from '../trading/requests';
import { WALLET_REQUESTS } from '../wallet/requests';

/** Every transaction's request shape, as the contracts read them. Typed over ContractApi: none may be missing. */
export const REQUESTS: RequestShapes = { ...WALLET_REQUESTS, ...REGISTRY_REQUESTS, ...TARIFF_REQUESTS, ...SESSION_REQUESTS, ...TRADING_REQUESTS };
