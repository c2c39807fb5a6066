import type { ChargePoint } from '../api';

/** Stops the CSMS and waits until the charge point has noticed. */
export async function outage(csms: { stop(): Promise<void> }, cp: ChargePoint): Promise<void> {
  const offline = cp.next('connection', (c) => !c.online);
  await csms.stop();
  await offline;
}

/** Restarts the CSMS on the same port and waits until the charge point's backlog has drained. */
export async function recovery(csms: { restart(): Promise<void> }, cp: ChargePoint): Promise<void> {
  const online = cp.next('connection', (c) => c.online);
  await csms.restart();
  await online;
  await cp.settle();
}
