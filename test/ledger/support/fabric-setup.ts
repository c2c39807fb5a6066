import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repositoryRoot } from '@chargeledger/config';
import integrationSetup from '../../support/global-setup';

const network = path.join(repositoryRoot, 'network', 'scripts', 'network.sh');

/**
 * The Fabric suite's network: brought up once for the whole suite (created the first time, which takes
 * about a minute; started again in seconds when it exists), and taken down at the end when this run
 * started it. Fails, saying why, when the binaries are missing: scripts/test.sh leaves this project out then.
 */
export default async function fabricSetup(): Promise<void> {
  await integrationSetup();
  const running = (): boolean => {
    try {
      execFileSync('bash', [network, 'status'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const wasRunning = running();
  if (!wasRunning) execFileSync('bash', [network, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  (globalThis as { fabricStartedBySuite?: boolean }).fabricStartedBySuite = !wasRunning;
}
