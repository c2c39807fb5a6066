/**
 * The session's signed meter records as the CSMS received them (GET /api/sessions/:id/meter-records, a
 * read-only key). Where they come from does not matter to the checks: they must verify against the key the
 * Authority registered and hash to what the ledger kept.
 */
export async function readMeterRecords(csmsUrl: string, apiKey: string, sessionId: string): Promise<string[]> {
  const response = await fetch(`${csmsUrl}/api/sessions/${encodeURIComponent(sessionId)}/meter-records`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(5_000) });
  if (response.status === 404) throw new Error(`the CSMS has no session ${sessionId}`);
  if (!response.ok) throw new Error(`the CSMS answered ${response.status} for the session's meter records`);
  const body = (await response.json()) as { records: { record: string }[] };
  return body.records.map((entry) => entry.record);
}
