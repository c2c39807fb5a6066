import type { ChildProcess } from 'node:child_process';

/**
 * Ends a child the way an operator or a crash would: `signal`, then SIGKILL if it has not exited after
 * `graceMs` (no grace for SIGKILL itself). Resolves with its exit code; at once if it had already exited.
 */
export async function endChild(child: ChildProcess | undefined, signal: 'SIGTERM' | 'SIGKILL', graceMs = 10_000): Promise<number | null> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}
