import { createPrivateKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway, hash, signers } from '@hyperledger/fabric-gateway';

export interface GatewayIdentity {
  readonly peerEndpoint: string;
  readonly hostAlias: string;
  readonly mspId: string;
  readonly tlsCaFile: string;
  readonly certFile: string;
  /** A keystore folder holding one private key (as the Fabric tools write it). */
  readonly keyDir: string;
}

export interface GatewayConnection {
  readonly gateway: Gateway;
  close(): void;
}

/** Connects to a peer's Gateway service over TLS with an organization's signing identity. */
export async function connectGateway(identity: Readonly<GatewayIdentity>): Promise<GatewayConnection> {
  const tlsRootCert = await readFile(identity.tlsCaFile);
  const client = new grpc.Client(identity.peerEndpoint, grpc.credentials.createSsl(tlsRootCert), {
    'grpc.ssl_target_name_override': identity.hostAlias,
    'grpc.keepalive_time_ms': 120_000,
  });
  const keys = (await readdir(identity.keyDir)).filter((file) => !file.startsWith('.'));
  if (keys.length !== 1) throw new Error(`expected one private key in ${identity.keyDir}, found ${keys.length}`);
  const privateKey = createPrivateKey(await readFile(path.join(identity.keyDir, keys[0] ?? '')));
  const gateway = connect({
    client,
    identity: { mspId: identity.mspId, credentials: await readFile(identity.certFile) },
    signer: signers.newPrivateKeySigner(privateKey),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
    submitOptions: () => ({ deadline: Date.now() + 5_000 }),
    // Longer than a commit takes under saturation (p99 11 s in docs/benchmarks.md); a transaction the orderer
    // lost never commits, and its event is endorsed anew after this long.
    commitStatusOptions: () => ({ deadline: Date.now() + 30_000 }),
  });
  return {
    gateway,
    close(): void {
      gateway.close();
      client.close();
    },
  };
}
