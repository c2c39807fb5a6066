import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repositoryRoot } from '@chargeledger/config';

export default async function fabricTeardown(): Promise<void> {
  if ((globalThis as { fabricStartedBySuite?: boolean }).fabricStartedBySuite !== true) return;
  execFileSync('bash', [path.join(repositoryRoot, 'network', 'scripts', 'network.sh'), 'down'], { stdio: 'ignore' });
}
