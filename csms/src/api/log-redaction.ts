import type { FastifyRequest } from 'fastify';

/** Query parameters whose value is an id token wherever they appear. */
const TOKEN_PARAMETERS = new Set(['idtoken', 'idtag', 'token']);
/** Path segments whose next segment is an id token: /api/id-tokens/<token>. */
const TOKEN_COLLECTIONS = new Set(['id-tokens']);

/**
 * A URL as it may be logged: an id token in the path (after /id-tokens/) or in a query parameter is replaced by
 * its digest, so log lines still correlate while the token itself never reaches the log.
 */
export function redactUrl(url: string, digest: (idToken: string) => string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (TOKEN_COLLECTIONS.has(segments[i - 1] ?? '') && segments[i] !== '') segments[i] = digest(decodeLeniently(segments[i] ?? ''));
  }
  if (queryAt === -1) return segments.join('/');
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1 || !TOKEN_PARAMETERS.has(decodeLeniently(pair.slice(0, eq)).toLowerCase())) return pair;
      return `${pair.slice(0, eq)}=${digest(decodeLeniently(pair.slice(eq + 1).replace(/\+/g, ' ')))}`;
    })
    .join('&');
  return `${segments.join('/')}?${query}`;
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Fastify's request serializer with the URL redacted; every log line that carries a request goes through it. */
export function requestSerializer(digest: (idToken: string) => string): (request: FastifyRequest) => Record<string, unknown> {
  return (request) => ({
    method: request.method,
    url: redactUrl(request.url, digest),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  });
}
