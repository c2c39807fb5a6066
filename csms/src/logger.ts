import pino, { type Logger } from 'pino';

/** Paths that never reach a log line: passwords, API keys, id tokens (RFID uids), signed data stays. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'idToken',
  '*.idToken',
  '*.idToken.idToken',
  'idTag',
  '*.idTag',
  'req.headers.authorization',
  'headers.authorization',
  '*.apiKey',
];

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
