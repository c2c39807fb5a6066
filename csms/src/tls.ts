import type { ServerOptions } from 'node:https';

/** TLS material for the CSMS listener (security profiles 2 and 3), as PEM text; the composition root reads the files. */
export interface CsmsTls {
  /** The server certificate's private key. */
  readonly key: string | Buffer;
  /** The server certificate, followed by any intermediate CA certificates. */
  readonly cert: string | Buffer;
  /**
   * The CA certificates a charger's client certificate must chain to (security profile 3). Undefined: no client
   * certificate is asked for, and only profiles 1 and 2 can be proven on this listener.
   */
  readonly clientCa: string | Buffer | undefined;
}

/**
 * Options for the HTTPS server. A client certificate is requested but not required at the TLS layer: profile 2
 * chargers and admin API clients have none. Whether a connection may proceed is decided per charger at the
 * WebSocket handshake, from `authorized` and the certificate's subject.
 */
export function tlsServerOptions(tls: CsmsTls): ServerOptions {
  const clientCertificates = tls.clientCa === undefined ? { requestCert: false } : { requestCert: true, rejectUnauthorized: false, ca: tls.clientCa };
  // OCPP security profiles 2 and 3 require TLS 1.2 or higher.
  return { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2', ...clientCertificates };
}
