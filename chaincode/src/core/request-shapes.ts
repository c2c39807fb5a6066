import type { RequestOf, TransactionName } from '../api';
import type { RequestShape } from './request-shape';

/** Every transaction's request shape; a transaction of ContractApi without one does not compile. */
export type RequestShapes = { readonly [K in TransactionName]: RequestShape<RequestOf<K>> };
