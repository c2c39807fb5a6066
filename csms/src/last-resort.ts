import type { Logger } from 'pino';

export interface LastResortOptions {
  readonly log: Logger;
  /** Closes what can be closed (charger sockets with 1001, the listener); called once, on an uncaught exception. */
  readonly shutdown: (reason: string) => Promise<void>;
  /** How long the shutdown may take before the process exits anyway. */
  readonly shutdownTimeoutMs: number;
  /** Ends the process; the composition root passes process.exit. */
  readonly exit: (code: number) => void;
}

/**
 * The process's last line of defence: nothing a charger or a dependency does may end the CSMS without a log line.
 * A rejected promise nobody handled leaves every other connection intact, so the CSMS logs it and keeps
 * serving. An uncaught exception may have left state half-changed, so the CSMS logs it, closes what it can and
 * exits with 1 for its supervisor to restart it; chargers reconnect on their own.
 */
export function installLastResortHandlers(target: NodeJS.Process, options: Readonly<LastResortOptions>): void {
  target.on('unhandledRejection', (reason: unknown) => {
    options.log.error({ err: reason, event: 'unhandledRejection' }, 'a rejected promise was not handled; the CSMS keeps serving');
  });
  let exiting = false;
  target.on('uncaughtException', (error: Error, origin: string) => {
    options.log.fatal({ err: error, event: 'uncaughtException', origin }, 'uncaught exception; the CSMS shuts down and exits with 1');
    if (exiting) return;
    exiting = true;
    const timer = setTimeout(() => options.exit(1), options.shutdownTimeoutMs);
    timer.unref();
    options.shutdown('uncaughtException').then(
      () => options.exit(1),
      (shutdownError: unknown) => {
        options.log.fatal({ err: shutdownError }, 'shutdown after an uncaught exception failed');
        options.exit(1);
      },
    );
  });
}
