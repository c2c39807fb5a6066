import { createRequire } from 'node:module';

/** Loads a module as fabric-shim resolves it: the winston, protobufs and handler the shim itself uses. */
export const fromShim = createRequire(require.resolve('fabric-shim'));
