import type { FastifyInstance } from 'fastify';
import type { MeterBinding } from '@chargeledger/chaincode/api';
import type { RouteContext } from '../http/app';
import { bearer, closed, ledgerId } from '../http/schemas';
import { rememberedOnLedger } from '../ledger/remembered';
import { success } from '../http/responses';

const publicKey = { type: 'string', pattern: '^[0-9A-Fa-f]{64,1024}$|^[A-Za-z0-9+/=]{64,1024}$', description: 'SPKI DER, hex or base64, as the manufacturer publishes it' } as const;
const binding = {
  oneOf: [
    closed({ kind: { type: 'string', const: 'evse' }, stationId: ledgerId, evseId: ledgerId }, ['kind', 'stationId', 'evseId']),
    closed({ kind: { type: 'string', const: 'export-point' }, prosumerId: ledgerId, exportPointId: ledgerId }, ['kind', 'prosumerId', 'exportPointId']),
  ],
} as const;
const meterParams = closed({ meterSerial: ledgerId }, ['meterSerial']);

/** The metering authority: registers meters with their public keys, rotates and revokes keys, lists meters and their key history. */
export function registerAuthorityRoutes(app: FastifyInstance, context: RouteContext): void {
  const { guard, store, ids } = context;
  const ledger = context.ledger.ledger;
  const staff = guard.allow('authority-staff');

  app.post<{ Body: { meterSerial: string; binding: MeterBinding; keyId: string; publicKey: string } }>(
    '/api/meters',
    {
      onRequest: staff,
      schema: {
        summary: 'Register a meter, bound to a station’s EVSE or a prosumer’s export point, with its first key',
        tags: ['meters'],
        response: { 201: success('The meter with its key history') },
        security: bearer,
        body: closed({ meterSerial: ledgerId, binding, keyId: ledgerId, publicKey }, ['meterSerial', 'binding', 'keyId', 'publicKey']),
      },
    },
    async (request, reply) => {
      const meter = await ledger.submit('Registry:registerMeter', { eventId: ids(request)('evt'), ...request.body });
      await store.remember('meters', meter.meterSerial);
      return reply.code(201).send(meter);
    },
  );

  app.get('/api/meters', { onRequest: staff, schema: { summary: 'Every meter registered here, with its key history', tags: ['meters'], security: bearer } }, async () => ({
    meters: await rememberedOnLedger(store.list('meters'), (meterSerial) => ledger.evaluate('Registry:getMeter', { meterSerial })),
  }));

  app.get<{ Params: { meterSerial: string } }>(
    '/api/meters/:meterSerial',
    { onRequest: staff, schema: { summary: 'A meter with its key history', tags: ['meters'], security: bearer, params: meterParams } },
    async (request) => ledger.evaluate('Registry:getMeter', request.params),
  );

  app.post<{ Params: { meterSerial: string }; Body: { keyId: string; publicKey: string } }>(
    '/api/meters/:meterSerial/keys',
    { onRequest: staff, schema: { summary: 'Rotate the meter to a new key; the old one is retired', tags: ['meters'], response: { 201: success('The meter with its key history') }, security: bearer, params: meterParams, body: closed({ keyId: ledgerId, publicKey }, ['keyId', 'publicKey']) } },
    async (request, reply) => reply.code(201).send(await ledger.submit('Registry:rotateMeterKey', { eventId: ids(request)('evt'), meterSerial: request.params.meterSerial, ...request.body })),
  );

  app.delete<{ Params: { meterSerial: string; keyId: string } }>(
    '/api/meters/:meterSerial/keys/:keyId',
    { onRequest: staff, schema: { summary: 'Revoke a key: records it signed are refused from now on', tags: ['meters'], security: bearer, params: closed({ meterSerial: ledgerId, keyId: ledgerId }, ['meterSerial', 'keyId']) } },
    async (request) => ledger.submit('Registry:revokeMeterKey', { eventId: ids(request)('evt'), ...request.params }),
  );
}
