import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { HandshakeEvidence, PresentedCertificate } from '../domain/security-profiles';

/** What the upgrade request's socket shows: TLS or not, and the client certificate with its verification result. */
export function handshakeEvidence(request: IncomingMessage, password: Buffer | undefined): HandshakeEvidence {
  const socket = request.socket;
  if (!(socket instanceof TLSSocket)) return { tls: false, password, certificate: undefined };
  return { tls: true, password, certificate: presentedCertificate(socket) };
}

/** Why a presented certificate is not trusted (OpenSSL's verification error), for the log; undefined when trusted or absent. */
export function certificateRejection(request: IncomingMessage): string | undefined {
  const socket = request.socket;
  if (!(socket instanceof TLSSocket) || socket.authorized || presentedCertificate(socket) === undefined) return undefined;
  const error: unknown = socket.authorizationError;
  return error instanceof Error ? error.message : String(error);
}

function presentedCertificate(socket: TLSSocket): PresentedCertificate | undefined {
  // An empty object (or null once the socket is gone) when the client sent no certificate.
  const peer = socket.getPeerCertificate() as ReturnType<TLSSocket['getPeerCertificate']> | null;
  if (peer === null || Object.keys(peer).length === 0) return undefined;
  // Node gives a repeated attribute as an array; a certificate with several CNs names no single charger.
  const cn: unknown = peer.subject?.CN;
  return { trusted: socket.authorized, subjectCn: typeof cn === 'string' ? cn : undefined };
}
