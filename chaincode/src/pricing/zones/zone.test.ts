import { compileZone, knownZoneNames, offsetAt, readZoneRules, transitionsBetween, TZDB_VERSION, zoneRulesFrom } from './zone';

const HOUR = 3_600_000;

/** The offset the host's ICU gives, in seconds: only to cross-check the pinned table in a test, never in pricing. */
function hostOffsets(zone: string): (t: number) => number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (t) => {
    const parts = format.formatToParts(new Date(t));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
    return (Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - t) / 1000;
  };
}

describe('time-zone rules pinned in the chaincode', () => {
  it('pins a tz database release and knows its zones and links', () => {
    expect(TZDB_VERSION).toMatch(/^20[0-9]{2}[a-z]$/);
    expect(knownZoneNames()).toEqual(expect.arrayContaining(['Europe/Berlin', 'America/New_York', 'Europe/Brussels', 'Asia/Kolkata', 'US/Eastern']));
    expect(zoneRulesFrom('Mars/Olympus_Mons', 0)).toBeUndefined();
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Chatham', 'US/Eastern'])(
    '%s agrees with the host\'s time zones every six hours from 2024 to 2036',
    (name) => {
      const zone = compileZone(zoneRulesFrom(name, Date.UTC(2024, 0, 1)) ?? fail(name));
      const host = hostOffsets(name);
      const differences: number[] = [];
      for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2036, 0, 1); t += 6 * HOUR) if (offsetAt(zone, t) !== host(t)) differences.push(t);
      expect(differences).toEqual([]);
    },
  );

  it('lists the offset changes of a year, Berlin\'s at 01:00 UTC on the last Sundays of March and October', () => {
    const zone = compileZone(zoneRulesFrom('Europe/Berlin', Date.UTC(2024, 0, 1)) ?? fail('Berlin'));
    expect(transitionsBetween(zone, Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1))).toEqual([Date.UTC(2025, 2, 30, 1), Date.UTC(2025, 9, 26, 1)]);
  });

  it('freezes rules as JSON that read back unchanged, and refuses what is not a zone', () => {
    const frozen = zoneRulesFrom('America/New_York', Date.UTC(2025, 5, 1)) ?? fail('New York');
    expect(readZoneRules(JSON.parse(JSON.stringify(frozen)), 'zone')).toEqual(frozen);
    expect(() => readZoneRules({ ...frozen, rule: 'not a rule' }, 'zone')).toThrow(expect.objectContaining({ code: 'FORMAT', path: 'zone.rule' }));
  });
});

function fail(name: string): never {
  throw new Error(`no zone ${name}`);
}
