import { fromShim } from './core/from-shim';

interface WinstonLogger {
  isLevelEnabled(level: string): boolean;
  write(info: unknown): boolean;
}

const LEVEL = Symbol.for('level');
let installed = false;

/**
 * fabric-shim logs through winston 3, which runs a logger's format (timestamp, metadata, colours, the
 * arguments as JSON) on every message and only then lets its transport drop those below the level. The shim
 * writes debug lines for each message it exchanges with the peer, so under load about a fifth of a chaincode
 * service's CPU went into formatting lines nobody sees. This drops a message below its logger's level before
 * the format runs; what is logged at the level is unchanged. It patches the winston the shim itself loads.
 */
export function dropShimLogsBelowLevel(): void {
  if (installed) return;
  installed = true;
  const { Logger } = fromShim('winston') as { Logger: { prototype: WinstonLogger } };
  const write = Logger.prototype.write;
  Logger.prototype.write = function (this: WinstonLogger, info: unknown): boolean {
    const level = typeof info === 'object' && info !== null ? (info as Record<symbol, unknown>)[LEVEL] : undefined;
    if (typeof level === 'string' && !this.isLevelEnabled(level)) return true;
    return write.call(this, info);
  };
}
