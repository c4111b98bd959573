// Time builtins: the clock (stable within one evaluation, like OPA's per-query time.now_ns), Go
// layouts, RFC 3339, durations, calendar fields in IANA zones (through Intl) and date arithmetic.
// Results are bigints so int64 nanoseconds reach the wasm module exactly.
import { fail, int, num, str } from './args.js';
import { EvalCache } from './runtime.js';
import {
  checkInt64,
  civil,
  daysIn,
  formatTime,
  LONG_DAYS,
  NAMED_LAYOUTS,
  parseTime,
  utcMillis,
} from './time-layout.js';

const hrBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const nowCache = new EvalCache<bigint>();

/** `time.now_ns`: one value per evaluation, as OPA returns one value per query. */
export function nowNs(): bigint {
  return nowCache.get('now', () => hrBase + process.hrtime.bigint());
}

/** A nanosecond count (exact as bigint, or a number) as bigint; rejects values outside int64 like OPA. */
function toNs(v: unknown): bigint {
  if (typeof v === 'bigint') return checkInt64(v);
  const n = num(v, 'nanoseconds');
  if (n < -(2 ** 63) || n >= 2 ** 63) fail('timestamp too big');
  return BigInt(Math.trunc(n));
}

interface Zone {
  offset: number;
  abbrev: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset (seconds east of UTC) and abbreviation of zone `tz` at instant `ns`. */
function zoneAt(tz: string, ns: bigint): Zone {
  if (tz === '' || tz === 'UTC') return { offset: 0, abbrev: 'UTC' };
  const name = tz === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : tz;
  let f = formatters.get(name);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
      era: 'short',
    });
    formatters.set(name, f);
  }
  const secs = Number(ns / 1_000_000_000n) - (ns % 1_000_000_000n < 0n ? 1 : 0);
  const parts = Object.fromEntries(f.formatToParts(new Date(secs * 1000)).map((p) => [p.type, p.value]));
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  const wall =
    utcMillis(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute)) / 1000 +
    Number(parts.second);
  return { offset: wall - secs, abbrev: parts.timeZoneName ?? '' };
}

/** `ns` or `[ns, tz]` (time.date, time.clock, time.weekday, time.diff). */
function instant(v: unknown): { ns: bigint; zone: Zone; tz: string } {
  if (Array.isArray(v)) {
    if (v.length !== 2) fail('expected [ns, tz]');
    const ns = toNs(v[0]);
    const tz = str(v[1], 'timezone');
    return { ns, zone: zoneAt(tz, ns), tz };
  }
  const ns = toNs(v);
  return { ns, zone: zoneAt('', ns), tz: '' };
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration. */
export function parseDuration(s: string): bigint {
  let rest = s;
  let sign = 1n;
  if (rest[0] === '-' || rest[0] === '+') {
    sign = rest[0] === '-' ? -1n : 1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') fail(`invalid duration ${JSON.stringify(s)}`);
  let total = 0n;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) fail(`invalid duration ${JSON.stringify(s)}`);
    const unit = UNITS[m[3]] ?? fail(`unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(s)}`);
    total += BigInt(m[1] || '0') * unit;
    if (m[2]) total += BigInt(Math.trunc(Number(`0.${m[2]}`) * Number(unit)));
    rest = rest.slice(m[0].length);
  }
  return checkInt64(sign * total);
}

/** Go's AddDate on a UTC instant: overflowing months and days normalise (Jan 31 + 1 month = Mar 3). */
function addDate(ns: bigint, years: number, months: number, days: number): bigint {
  const t = civil(ns, 0);
  const d = new Date(0);
  d.setUTCFullYear(t.year + years, t.month - 1 + months, t.day + days);
  d.setUTCHours(t.hour, t.min, t.sec, 0);
  return checkInt64(BigInt(d.getTime()) * 1_000_000n + BigInt(t.nanos));
}

/** OPA's time.diff: calendar difference, earlier instant first, in the first operand's zone. */
function diff(a: unknown, b: unknown): number[] {
  const x = instant(a);
  const y = instant(b);
  const zone = x.zone;
  const yZone = zoneAt(x.tz, y.ns);
  let [t1, z1, t2, z2] = [x.ns, zone.offset, y.ns, yZone.offset];
  if (t1 > t2) [t1, z1, t2, z2] = [t2, z2, t1, z1];
  const c1 = civil(t1, z1);
  const c2 = civil(t2, z2);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.min - c1.min;
  let sec = c2.sec - c1.sec;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    day += daysIn(c1.month, c1.year);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

function format(v: unknown): string {
  if (!Array.isArray(v)) return formatTime(NAMED_LAYOUTS.RFC3339Nano, toNs(v), 0, 'UTC');
  if (v.length < 2 || v.length > 3) fail('expected [ns, tz] or [ns, tz, layout]');
  const ns = toNs(v[0]);
  const zone = zoneAt(str(v[1], 'timezone'), ns);
  const layout = v.length === 3 ? str(v[2], 'layout') : 'RFC3339Nano';
  return formatTime(NAMED_LAYOUTS[layout] ?? layout, ns, zone.offset, zone.abbrev);
}

export const timeBuiltins = {
  'time.now_ns': () => nowNs(),
  'time.parse_ns': (layout: unknown, value: unknown) => {
    const l = str(layout, 'layout');
    return parseTime(NAMED_LAYOUTS[l] ?? l, str(value));
  },
  'time.parse_rfc3339_ns': (value: unknown) => parseTime(NAMED_LAYOUTS.RFC3339, str(value)),
  'time.parse_duration_ns': (value: unknown) => parseDuration(str(value)),
  'time.date': (v: unknown) => {
    const { ns, zone } = instant(v);
    const t = civil(ns, zone.offset);
    return [t.year, t.month, t.day];
  },
  'time.clock': (v: unknown) => {
    const { ns, zone } = instant(v);
    const t = civil(ns, zone.offset);
    return [t.hour, t.min, t.sec];
  },
  'time.weekday': (v: unknown) => {
    const { ns, zone } = instant(v);
    return LONG_DAYS[civil(ns, zone.offset).weekday];
  },
  'time.add_date': (ns: unknown, y: unknown, m: unknown, d: unknown) =>
    addDate(toNs(ns), int(y, 'years'), int(m, 'months'), int(d, 'days')),
  'time.diff': diff,
  'time.format': format,
};

/** For tests. */
export const timeInternals = { zoneAt };
