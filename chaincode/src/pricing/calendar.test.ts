import {
  dayOfWeekIndex,
  daysFromCivil,
  floorDiv,
  fromLocal,
  MS_PER_DAY,
  parseDate,
  parseTimeOfDay,
  toLocal,
} from './calendar';

describe('calendar arithmetic', () => {
  it('floors integer division towards minus infinity', () => {
    expect([floorDiv(7, 2), floorDiv(-7, 2), floorDiv(-1, MS_PER_DAY), floorDiv(0, 5)]).toEqual([3, -4, -1, 0]);
  });

  it('counts days since 1970-01-01 like Date.UTC does, across leap days and centuries', () => {
    const dates: [number, number, number][] = [
      [1970, 1, 1], [1969, 12, 31], [2000, 2, 29], [2000, 3, 1], [2100, 3, 1], [2024, 1, 15], [2999, 12, 31],
    ];
    for (const [year, month, day] of dates) {
      expect(daysFromCivil(year, month, day)).toBe(Date.UTC(year, month - 1, day) / MS_PER_DAY);
    }
  });

  it('names the weekday with Monday as 0', () => {
    // 2024-01-15 was a Monday, 2024-01-21 a Sunday, 1970-01-01 a Thursday.
    expect(dayOfWeekIndex(daysFromCivil(2024, 1, 15))).toBe(0);
    expect(dayOfWeekIndex(daysFromCivil(2024, 1, 21))).toBe(6);
    expect(dayOfWeekIndex(0)).toBe(3);
    expect(dayOfWeekIndex(-1)).toBe(2);
  });

  it('parses only real dates and 24-hour times', () => {
    expect(parseDate('2024-02-29')).toBe(daysFromCivil(2024, 2, 29));
    for (const text of ['2023-02-29', '2024-04-31', '2024-1-05', '0999-01-01']) expect(parseDate(text)).toBeUndefined();
    expect([parseTimeOfDay('00:00'), parseTimeOfDay('23:59'), parseTimeOfDay('24:00')]).toEqual([0, 1439, undefined]);
  });

  it('moves to local time by a fixed offset, across the date line of midnight', () => {
    // 02:00 UTC at UTC-05:00 is 21:00 the previous day.
    const local = toLocal(Date.UTC(2024, 0, 15, 2, 0), -300);
    expect(local).toEqual({ epochDay: daysFromCivil(2024, 1, 14), msOfDay: 21 * 3_600_000 });
    expect(fromLocal(local.epochDay, 21 * 60, -300)).toBe(Date.UTC(2024, 0, 15, 2, 0));
  });
});
