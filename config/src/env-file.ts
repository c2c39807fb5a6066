/** Parses a KEY=VALUE file (comments and blank lines ignored; no interpolation, no quotes removed but outer ones). */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${index + 1}: expected KEY=VALUE, got "${line}"`);
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value.startsWith('"') || value.startsWith("'")) && value.endsWith(value[0] ?? '')) {
      value = value.slice(1, -1);
    }
    values[key] = value;
  }
  return values;
}
