import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Organization } from '../organizations';

/** The dashboard's files: plain HTML, CSS, JS and icons of this package; nothing is fetched from outside the stack. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'icon-192.png': 'image/png',
  'icon-512.png': 'image/png',
  'sw.js': 'text/javascript; charset=utf-8',
  'manifest.webmanifest': 'application/manifest+json; charset=utf-8',
};
const DIR = path.join(__dirname, '..', 'dashboard');
/** Only this stack's scripts, styles and services; no inline script, no frames. */
const CSP = (services: readonly string[]): string => `default-src 'self'; connect-src 'self' ${services.join(' ')}; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export function registerDashboard(app: FastifyInstance, options: { readonly organization: Organization; readonly services: Readonly<Record<Organization, string>> }): void {
  const send = async (file: string): Promise<{ body: Buffer; type: string }> => ({ body: await readFile(path.join(DIR, file)), type: FILES[file] ?? 'application/octet-stream' });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const { body, type } = await send('index.html');
    return reply.type(type).header('content-security-policy', CSP(Object.values(options.services))).send(body);
  });
  // The service worker and the manifest at the root: a worker controls only the paths under its own, and the app is all of `/`.
  app.get('/sw.js', { schema: { hide: true } }, async (_request, reply) => {
    const { body, type } = await send('sw.js');
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });
  app.get('/manifest.webmanifest', { schema: { hide: true } }, async (_request, reply) => {
    const { body, type } = await send('manifest.webmanifest');
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });
  app.get<{ Params: { file: string } }>('/dashboard/:file', { schema: { hide: true, params: { type: 'object', additionalProperties: false, properties: { file: { type: 'string', enum: Object.keys(FILES).filter((file) => file !== 'sw.js' && file !== 'manifest.webmanifest') } }, required: ['file'] } } }, async (request, reply) => {
    const { body, type } = await send(request.params.file);
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });
  app.get('/dashboard/services.json', { schema: { hide: true } }, async () => ({ organization: options.organization, services: options.services }));
}
