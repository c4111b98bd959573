// Time builtins: Go layouts, int64 nanosecond exactness (results travel as JSON text), zones, dates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostBuiltins as h } from './index.js';

/** Exact JSON text of a result that the guard sent as an ArrayBuffer (bigint nanoseconds). */
const text = (v: unknown): string =>
  v instanceof ArrayBuffer ? new TextDecoder().decode(v) : JSON.stringify(v);

describe('time parsing', () => {
  const parse: [string, string, string][] = [
    ['2006-01-02T15:04:05Z07:00', '2017-06-02T19:00:00-07:00', '1496455200000000000'],
    ['2006-01-02T15:04:05Z07:00', '1677-09-21T00:12:43.145224192-00:00', '-9223372036854775808'],
    ['2006-01-02T15:04:05Z07:00', '2262-04-11T23:47:16.854775807-00:00', '9223372036854775807'],
    ["01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700", '1496455200000000000'],
    ['02 Jan 06 15:04 -0700', '02 Jun 17 19:00 -0700', '1496455200000000000'],
    ['RFC822Z', '02 Jun 17 19:00 -0700', '1496455200000000000'],
    ['Mon Jan _2 15:04:05 2006', 'Fri Jun  2 19:00:00 2017', '1496430000000000000'],
    ['2006-01-02', '2020-02-29', '1582934400000000000'],
    ['January 2, 2006 3:04pm MST', 'March 5, 2021 1:30am UTC', '1614907800000000000'],
  ];
  for (const [layout, value, want] of parse) {
    it(`${layout} ← ${value}`, () => assert.equal(text(h['time.parse_ns'](layout, value)), want));
  }
  it('rejects out-of-range and malformed values', () => {
    assert.equal(
      h['time.parse_ns']('2006-01-02T15:04:05Z07:00', '2262-04-11T23:47:16.854775808-00:00'),
      undefined,
    );
    assert.equal(h['time.parse_ns']('2006-01-02', '2021-02-29'), undefined);
    assert.equal(h['time.parse_ns']('2006-01-02', '2021-1-02'), undefined);
    assert.equal(h['time.parse_ns']('2006-01-02', '2021-01-02x'), undefined);
    assert.equal(h['time.parse_rfc3339_ns']('not a time'), undefined);
    // Year 0 (no date in the layout) is outside the int64 nanosecond range.
    assert.equal(h['time.parse_ns']('15:04:05.000', '01:02:03.456'), undefined);
  });
  it('parses RFC 3339 with optional fractions', () => {
    assert.equal(text(h['time.parse_rfc3339_ns']('1970-01-01T00:00:00.5Z')), '500000000');
    assert.equal(text(h['time.parse_rfc3339_ns']('1970-01-01T01:00:00+01:00')), '0');
  });
  it('parses Go durations', () => {
    assert.equal(text(h['time.parse_duration_ns']('100ms')), '100000000');
    assert.equal(text(h['time.parse_duration_ns']('1h2m3.5s')), '3723500000000');
    assert.equal(text(h['time.parse_duration_ns']('-1.5µs')), '-1500');
    assert.equal(text(h['time.parse_duration_ns']('0')), '0');
    assert.equal(h['time.parse_duration_ns']('1d'), undefined);
    assert.equal(h['time.parse_duration_ns'](''), undefined);
  });
});

describe('calendar builtins', () => {
  it('computes dates, clocks and weekdays in zones', () => {
    assert.deepEqual(h['time.date']([1517814000e9, 'America/Los_Angeles']), [2018, 2, 4]);
    assert.deepEqual(h['time.date']([1517832000e9, '']), [2018, 2, 5]);
    assert.deepEqual(h['time.date'](1582977600e9), [2020, 2, 29]);
    assert.deepEqual(h['time.clock']([1517832000e9, 'America/New_York']), [7, 0, 0]);
    assert.equal(h['time.weekday'](1518350400000000000), 'Sunday');
    assert.equal(h['time.date'](1582977600e12), undefined);
    assert.equal(h['time.date']([0, 'Not/AZone']), undefined);
  });
  it('adds dates with Go normalisation', () => {
    assert.equal(Number(text(h['time.add_date'](1585852421593912000, 3, 9, 12))), 1705257221593912000);
    assert.equal(Number(text(h['time.add_date'](1585852421593912000, -1, -1, -1))), 1551465221593912000);
    const jan31 = 1612051200e9; // 2021-01-31T00:00:00Z
    assert.equal(text(h['time.add_date'](jan31, 0, 1, 0)), '1614729600000000000'); // 2021-03-03
    assert.equal(h['time.add_date'](0, 2262, 1, 1), undefined);
  });
  it('diffs calendar fields', () => {
    const t = 1670006453e9;
    assert.deepEqual(h['time.diff'](t + 61e9, t), [0, 0, 0, 0, 1, 1]);
    assert.deepEqual(h['time.diff']([t + 60e9, 'UTC'], [t, 'Asia/Shanghai']), [0, 0, 0, 0, 1, 0]);
    const feb1 = 1580515200e9; // 2020-02-01
    const mar1 = 1583020800e9; // 2020-03-01
    assert.deepEqual(h['time.diff'](mar1, feb1), [0, 1, 0, 0, 0, 0]);
  });
  it('formats with layouts and zones', () => {
    // The conformance case uses ...141828752, which a JS number cannot hold; this is its neighbour.
    const t = Number('1670006453141828096');
    assert.equal(h['time.format'](t), '2022-12-02T18:40:53.141828096Z');
    assert.equal(h['time.format']([t, 'Asia/Kolkata']), '2022-12-03T00:10:53.141828096+05:30');
    assert.equal(
      h['time.format']([t, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006']),
      'Sat Dec 03 00:10:53 +0530 2022',
    );
    assert.equal(h['time.format']([t, 'Asia/Kolkata', 'RFC1123Z']), 'Sat, 03 Dec 2022 00:10:53 +0530');
    assert.equal(
      h['time.format']([0, 'UTC', '2006-01-02 3:04PM .000 _2 002']),
      '1970-01-01 12:00AM .000  1 001',
    );
    assert.equal(h['time.format'](1582977600 * 10e12), undefined);
  });
  it('returns one now per evaluation (until the next microtask)', async () => {
    const a = text(h['time.now_ns']());
    assert.equal(text(h['time.now_ns']()), a);
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 2));
    assert.notEqual(text(h['time.now_ns']()), a);
  });
});
