/** Modules of fabric-shim 2.5.8 that the test network drives directly; they ship without typings. */
declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract' {
  import type { ChaincodeResponse, ChaincodeStub } from 'fabric-shim-api';

  class ChaincodeFromContract {
    constructor(contractClasses: unknown[], serializers: unknown, metadata: object, title: string, version: string);
    Invoke(stub: ChaincodeStub): Promise<ChaincodeResponse>;
    /** What the peer's GetMetadata serves: every contract and its transaction functions. */
    readonly metadata: { readonly contracts: Readonly<Record<string, { readonly transactions: readonly { readonly name: string }[] }>> };
  }
  export = ChaincodeFromContract;
}

declare module 'fabric-shim/lib/logger' {
  export function setLevel(level: string): void;
}
