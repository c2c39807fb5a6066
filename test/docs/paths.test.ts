import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every file path a document names exists, so the docs cannot drift from the code: the paths in backticks that
 * start at a top-level folder of the repository (`csms/src/app.ts`, `docs/decisions/`), and every relative link.
 * Placeholders (`<id>`, `$VAR`, `*`, `{a,b}`) and paths under generated folders are not checked.
 */
const ROOT = path.resolve(__dirname, '../..');
const TOP_LEVEL = new Set(readdirSync(ROOT, { withFileTypes: true }).filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules').map((entry) => entry.name));
/** Made by a build or a run, not kept in the repository. */
const GENERATED = ['chaincode/dist/', 'network/organizations/', 'network/channel-artifacts/', 'network/hosts/'];

const documents = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`), ...readdirSync(path.join(ROOT, 'docs/decisions')).filter((name) => name.endsWith('.md')).map((name) => `docs/decisions/${name}`)];

/** The paths one document names, each with the repository-relative path it must exist at. */
export function namedPaths(document: string, text: string): { readonly named: string; readonly at: string }[] {
  const found: { named: string; at: string }[] = [];
  for (const [, token = ''] of text.matchAll(/`([^`\s]+)`/g)) {
    const candidate = token.replace(/[:#]\S*$/, '').replace(/[.,;)]+$/, '');
    const first = candidate.split('/')[0] ?? '';
    if (!candidate.includes('/') || !TOP_LEVEL.has(first) || /[<>$*{}()[\]|]/.test(candidate)) continue;
    found.push({ named: token, at: candidate });
  }
  for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    const file = target.replace(/#.*$/, '');
    found.push({ named: target, at: path.relative(ROOT, path.resolve(ROOT, path.dirname(document), file)) });
  }
  return found.filter(({ at }) => !GENERATED.some((prefix) => `${at}/`.startsWith(prefix)));
}

describe('the paths the documents name', () => {
  it.each(documents)('exist, for %s', (document) => {
    const missing = namedPaths(document, readFileSync(path.join(ROOT, document), 'utf8')).filter(({ at }) => !existsSync(path.join(ROOT, at)));
    expect(missing).toEqual([]);
  });

  it('are found in backticks and links, and placeholders are left alone', () => {
    const text = 'See `csms/src/app.ts:12`, `ledger-queue/src/<name>.ts`, `POST /api/sessions`, [the ADR](decisions/0016-the-first-stop-is-final.md#why) and [a site](https://example.org).';
    expect(namedPaths('docs/x.md', text).map(({ at }) => at)).toEqual(['csms/src/app.ts', 'docs/decisions/0016-the-first-stop-is-final.md']);
  });
});
