import { RPCClient } from 'ocpp-rpc';

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];

/** ocpp-rpc's declarations mark every option required though the library defaults them; this takes the ones a test sets. */
export function ocppClient(options: Partial<ClientOptions> & Pick<ClientOptions, 'identity' | 'protocols'>): RPCClient {
  return new RPCClient(options as ClientOptions);
}
