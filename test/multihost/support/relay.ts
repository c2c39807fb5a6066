import { connect, createServer, type Socket } from 'node:net';

/**
 * A wide-area link on one machine (`tc netem` is not available): runs on a host, listens on the host's relay
 * address and forwards each connection to the same port at the host's own address, holding every chunk for
 * DELAY_MS in each direction, so a round trip between two hosts costs twice that. Chunks keep their order
 * (timers of one delay fire in the order they were set).
 *
 *   relay.ts LISTEN_ADDRESS TARGET_ADDRESS DELAY_MS PORT...
 */

function delayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), delayMs));
}

const [listenAddress, targetAddress, delay, ...ports] = process.argv.slice(2);
const delayMs = Number(delay);
if (listenAddress === undefined || targetAddress === undefined || !Number.isInteger(delayMs) || ports.length === 0) {
  process.stderr.write('usage: relay.ts LISTEN_ADDRESS TARGET_ADDRESS DELAY_MS PORT...\n');
  process.exit(2);
}
for (const port of ports.map(Number)) {
  createServer((inbound) => {
    inbound.setNoDelay(true);
    const outbound = connect({ host: targetAddress, port });
    outbound.setNoDelay(true);
    delayed(inbound, outbound, delayMs);
    delayed(outbound, inbound, delayMs);
  }).listen(port, listenAddress, () => process.stdout.write(`relay ${listenAddress}:${port} -> ${targetAddress}:${port}, ${delayMs} ms each way\n`));
}
