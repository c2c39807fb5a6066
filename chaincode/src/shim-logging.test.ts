import { fromShim } from './core/from-shim';
import { dropShimLogsBelowLevel } from './shim-logging';

interface ShimLogger {
  level: string;
  format: { transform: (info: unknown, options: unknown) => unknown };
  debug(message: string): void;
  info(message: string): void;
}

const shimLogger = (name: string): ShimLogger => (fromShim('./lib/logger') as { getLogger(name: string): ShimLogger }).getLogger(name);

describe("the chaincode service's filter of the shim's logs", () => {
  it('formats a message at or above the level and never one below it', () => {
    dropShimLogsBelowLevel();
    const logger = shimLogger('shim-logging.test');
    logger.level = 'info';
    const formatted: string[] = [];
    const transform = logger.format.transform.bind(logger.format);
    logger.format.transform = (info, options) => {
      formatted.push((info as { message: string }).message);
      return transform(info, options);
    };
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      logger.debug('below the level');
      logger.info('at the level');
    } finally {
      write.mockRestore();
    }
    expect(formatted).toEqual(['at the level']);
  });
});
