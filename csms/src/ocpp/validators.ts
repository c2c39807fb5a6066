import { createRPCError, createValidator } from 'ocpp-rpc';

type Validator = ReturnType<typeof createValidator>;

/**
 * ocpp-rpc's strict validators answer a call whose action has no schema with ProtocolError; OCPP-J says
 * an action the receiver does not know is NotImplemented. These wrap the bundled 1.6 and 2.0.1 schemas
 * and change only that answer.
 */
function withNotImplemented(subprotocol: string, schemas: object): Validator {
  const inner = createValidator(subprotocol, schemas);
  const wrapped = Object.create(inner) as Validator;
  wrapped.validate = (schemaId: string, params: unknown): boolean => {
    try {
      return inner.validate(schemaId, params) as boolean;
    } catch (error) {
      const code = (error as { rpcErrorCode?: string }).rpcErrorCode;
      if (code === 'ProtocolError' && /is missing from subprotocol schema/.test(String((error as Error).message))) {
        const action = schemaId.replace(/^urn:OCPP:[^:]+:[^:]+:[^:]+:/, '').replace(/(Request|Response)$/, '');
        throw createRPCError('NotImplemented', `${action} is not implemented`);
      }
      throw error;
    }
  };
  return wrapped;
}

/* The schema files ship inside ocpp-rpc; their paths are part of its published package. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ocpp16 = require('ocpp-rpc/lib/schemas/ocpp1_6.json') as object;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ocpp201 = require('ocpp-rpc/lib/schemas/ocpp2_0_1.json') as object;

export const strictValidators: Validator[] = [withNotImplemented('ocpp1.6', ocpp16), withNotImplemented('ocpp2.0.1', ocpp201)];

/** Why a CSMS-initiated call does not fit its protocol's schema, or undefined when it does. */
export function outboundProblem(protocol: string, action: string, params: unknown): { code: string; message: string } | undefined {
  const validator = strictValidators.find((v) => v.subprotocol === protocol);
  if (validator === undefined) return { code: 'NotSupported', message: `no schema for protocol ${protocol}` };
  try {
    validator.validate(`urn:${action}.req`, params);
    return undefined;
  } catch (error) {
    return { code: (error as { rpcErrorCode?: string }).rpcErrorCode ?? 'FormatViolation', message: error instanceof Error ? error.message : String(error) };
  }
}
