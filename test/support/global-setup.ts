import net from 'node:net';
import { loadConfig } from '@chargeledger/config';

/** Integration tests need the stack's Redis; `npm test` starts it. Fail at once, and say so, when it is absent. */
export default async function globalSetup(): Promise<void> {
  const { redis } = loadConfig();
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(redis.port, redis.host);
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error) =>
      reject(new Error(`integration tests need Redis at ${redis.host}:${redis.port} (run \`npm test\`): ${error.message}`)),
    );
  });
}
