import {
  type Completion,
  calendarDay,
  dayState,
  lateDataRules,
  lookbackWindow,
  planDays,
  planRequested,
  type RawDay,
  scheduledDay,
} from '../../../lambda/batch-planner/plan';

// The scheduled run of 2026-11-21 01:00 UTC: D-1 is 2026-11-20.
const NOW = '2026-11-21T01:00:00Z';
const LAST_MODIFIED = '2026-11-20T00:14:59.000Z';

function completion(day: string, objects = 10, bytes = 1000): Completion {
  return { day, inputObjects: objects, inputBytes: bytes, inputLastModified: `${day}T23:59:00.000Z` };
}
function raw(day: string, objects = 10, bytes = 1000, lastModified = `${day}T23:59:00.000Z`): RawDay {
  return { day, objects, bytes, lastModifiedMs: Date.parse(lastModified) };
}
const byDay = <T extends { day: string }>(...items: T[]) => new Map(items.map((i) => [i.day, i]));

describe('scheduledDay', () => {
  test('is the UTC day before the scheduled time, across month ends and leap days', () => {
    expect(scheduledDay('2026-11-21T01:00:00Z')).toBe('2026-11-20');
    expect(scheduledDay('2026-03-01T00:30:00Z')).toBe('2026-02-28');
    expect(scheduledDay('2028-03-01T00:30:00Z')).toBe('2028-02-29');
    expect(scheduledDay('2027-01-01T05:00:00Z')).toBe('2026-12-31');
  });

  test('a schedule east of UTC fires before UTC midnight: the last complete UTC day is the one before', () => {
    // 01:00 Asia/Kolkata on 21 Nov is 19:30 UTC on 20 Nov.
    expect(scheduledDay('2026-11-20T19:30:00Z')).toBe('2026-11-19');
  });

  test('fails when the time is not an instant', () => {
    expect(() => scheduledDay('yesterday')).toThrow(/not an ISO-8601 instant/);
  });
});

describe('calendarDay', () => {
  test('accepts real days', () => {
    expect(calendarDay('2026-11-20')).toBe('2026-11-20');
    expect(calendarDay('2028-02-29')).toBe('2028-02-29');
  });

  test.each([
    '2026-02-30',
    '2027-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-11-32',
    '20261120',
    '2026-11-20T00:00',
    ' 2026-11-20',
    '',
  ])('fails with InvalidDate on %j', (bad) => {
    expect(() => calendarDay(bad)).toThrow(expect.objectContaining({ name: 'InvalidDate' }));
  });

  test('fails on a value that is not a string', () => {
    expect(() => calendarDay(20261120)).toThrow(/not a calendar day/);
    expect(() => calendarDay(null)).toThrow(/not a calendar day/);
  });
});

describe('lateDataRules', () => {
  test('none when the day holds exactly what the run read', () => {
    expect(lateDataRules(completion('2026-11-18'), raw('2026-11-18'))).toEqual([]);
  });

  test('an object added after the run: more objects, more bytes, and a newer object', () => {
    expect(
      lateDataRules(completion('2026-11-18'), raw('2026-11-18', 11, 1200, '2026-11-21T00:40:00.000Z')),
    ).toEqual(['moreObjects', 'moreBytes', 'newerObject']);
  });

  test('an object that landed during the listing, with an older time: caught by the count', () => {
    expect(
      lateDataRules(completion('2026-11-18'), raw('2026-11-18', 11, 1100, '2026-11-18T23:58:00.000Z')),
    ).toEqual(['moreObjects', 'moreBytes']);
  });

  test('an object replaced in place: caught by its time', () => {
    expect(
      lateDataRules(completion('2026-11-18'), raw('2026-11-18', 10, 1000, '2026-11-21T00:40:00.000Z')),
    ).toEqual(['newerObject']);
  });

  test('an unreadable inputLastModified cannot vouch for anything', () => {
    expect(lateDataRules({ ...completion('2026-11-18'), inputLastModified: '' }, raw('2026-11-18'))).toEqual([
      'newerObject',
    ]);
  });
});

describe('dayState', () => {
  test('the four states', () => {
    const day = '2026-11-18';
    expect(dayState(day, completion(day), raw(day)).state).toBe('complete');
    expect(dayState(day, completion(day), raw(day, 12, 1500)).lateData).toEqual({
      rules: ['moreObjects', 'moreBytes'],
      newObjects: 2,
      newBytes: 500,
    });
    expect(dayState(day, undefined, raw(day)).state).toBe('missing');
    expect(dayState(day, undefined, undefined).state).toBe('no_data');
  });
});

describe('planDays', () => {
  const config = { lookbackDays: 3 };

  test('a quiet cycle runs D-1 only', () => {
    const plan = planDays(
      NOW,
      byDay(completion('2026-11-17'), completion('2026-11-18'), completion('2026-11-19')),
      byDay(raw('2026-11-17'), raw('2026-11-18'), raw('2026-11-19'), raw('2026-11-20')),
      config,
    );
    expect(plan.target).toBe('2026-11-20');
    expect(plan.plan).toEqual([{ day: '2026-11-20', reasons: ['scheduled'] }]);
    expect(plan.states.map((s) => [s.day, s.state])).toEqual([
      ['2026-11-17', 'complete'],
      ['2026-11-18', 'complete'],
      ['2026-11-19', 'complete'],
      ['2026-11-20', 'missing'],
    ]);
  });

  test('late data and a failed day of the lookback are re-run with D-1, oldest first', () => {
    const plan = planDays(
      NOW,
      byDay(completion('2026-11-17'), completion('2026-11-19')),
      byDay(
        raw('2026-11-17', 11, 1100, '2026-11-20T09:00:00.000Z'),
        raw('2026-11-18'),
        raw('2026-11-19'),
        raw('2026-11-20'),
      ),
      config,
    );
    expect(plan.days).toEqual(['2026-11-17', '2026-11-18', '2026-11-20']);
    expect(plan.plan).toEqual([
      { day: '2026-11-17', reasons: ['late_data'] },
      { day: '2026-11-18', reasons: ['missing'] },
      { day: '2026-11-20', reasons: ['scheduled'] },
    ]);
  });

  test('days before the lookback are not looked at', () => {
    const plan = planDays(NOW, new Map(), byDay(raw('2026-11-16'), raw('2026-11-20')), config);
    expect(plan.days).toEqual(['2026-11-20']);
    expect(plan.states[0].day).toBe('2026-11-17');
  });

  test('a day without raw objects nor completion is not run; D-1 always is', () => {
    const plan = planDays(NOW, new Map(), new Map(), config);
    expect(plan.plan).toEqual([{ day: '2026-11-20', reasons: ['scheduled'] }]);
  });

  test('lookback 0 plans D-1 only, even with late data before it', () => {
    const plan = planDays(
      NOW,
      byDay(completion('2026-11-19')),
      byDay(raw('2026-11-19', 99, 99_999, '2026-11-21T00:00:00.000Z')),
      { lookbackDays: 0 },
    );
    expect(plan.days).toEqual(['2026-11-20']);
  });

  test('fails when the lookback is outside 0-14 days', () => {
    expect(() => lookbackWindow('2026-11-20', 15)).toThrow(/lookbackDays is 15/);
    expect(() => lookbackWindow('2026-11-20', -1)).toThrow(/lookbackDays is -1/);
  });

  test('each day is compared with its own completion item', () => {
    // 2026-11-18's newest object is older than 2026-11-19's inputLastModified, but newer than its own.
    const plan = planDays(
      NOW,
      byDay(completion('2026-11-18'), { ...completion('2026-11-19'), inputLastModified: LAST_MODIFIED }),
      byDay(
        raw('2026-11-18', 10, 1000, '2026-11-19T10:00:00.000Z'),
        raw('2026-11-19', 10, 1000, '2026-11-19T23:00:00.000Z'),
      ),
      config,
    );
    expect(plan.plan).toEqual([
      { day: '2026-11-18', reasons: ['late_data'] },
      { day: '2026-11-20', reasons: ['scheduled'] },
    ]);
  });
});

describe('planRequested', () => {
  test('a requested date is run alone', () => {
    expect(planRequested('2026-11-02', 3)).toEqual({
      target: '2026-11-02',
      days: ['2026-11-02'],
      plan: [{ day: '2026-11-02', reasons: ['requested'] }],
      states: [],
      lookbackDays: 3,
    });
  });

  test('fails with InvalidDate on an impossible day', () => {
    expect(() => planRequested('2026-02-30', 3)).toThrow(expect.objectContaining({ name: 'InvalidDate' }));
  });
});
