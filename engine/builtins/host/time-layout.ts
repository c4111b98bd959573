// Go's reference-time layouts ("2006-01-02T15:04:05Z07:00") for time.parse_ns and time.format:
// the layout tokenizer, a parser producing Unix nanoseconds, and a formatter. Facts follow Go's
// time package (chunk recognition, two-digit years ≥ 69 → 19xx, optional fractional seconds).

export const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

export const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Std =
  | 'LongMonth'
  | 'Month'
  | 'NumMonth'
  | 'ZeroMonth'
  | 'LongWeekDay'
  | 'WeekDay'
  | 'Day'
  | 'UnderDay'
  | 'ZeroDay'
  | 'UnderYearDay'
  | 'ZeroYearDay'
  | 'Hour'
  | 'Hour12'
  | 'ZeroHour12'
  | 'Minute'
  | 'ZeroMinute'
  | 'Second'
  | 'ZeroSecond'
  | 'LongYear'
  | 'Year'
  | 'PM'
  | 'pm'
  | 'TZ'
  | 'ISO'
  | 'NumTZ'
  | 'Frac0'
  | 'Frac9';

/** A layout element: literal text, or a field with its source text (zone/fraction shape lives there). */
type Chunk = { lit: string } | { std: Std; text: string };

const isLower = (s: string | undefined): boolean => s !== undefined && s >= 'a' && s <= 'z';
const isDigit = (s: string | undefined): boolean => s !== undefined && s >= '0' && s <= '9';

const ZONE_SHAPES = ['070000', '07:00:00', '0700', '07:00', '07'];
const ZERO_STD: Record<string, Std> = {
  '1': 'ZeroMonth',
  '2': 'ZeroDay',
  '3': 'ZeroHour12',
  '4': 'ZeroMinute',
  '5': 'ZeroSecond',
  '6': 'Year',
};

/** Go's nextStdChunk, applied over the whole layout. */
export function tokenizeLayout(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = '';
  const emit = (std: Std, text: string) => {
    if (lit) out.push({ lit });
    lit = '';
    out.push({ std, text });
  };
  let i = 0;
  while (i < layout.length) {
    const rest = layout.slice(i);
    const c = layout[i];
    let matched: [Std, string] | undefined;
    if (c === 'J' && rest.startsWith('Jan')) {
      if (rest.startsWith('January')) matched = ['LongMonth', 'January'];
      else if (!isLower(rest[3])) matched = ['Month', 'Jan'];
    } else if (c === 'M' && rest.startsWith('Mon')) {
      if (rest.startsWith('Monday')) matched = ['LongWeekDay', 'Monday'];
      else if (!isLower(rest[3])) matched = ['WeekDay', 'Mon'];
    } else if (c === 'M' && rest.startsWith('MST')) {
      matched = ['TZ', 'MST'];
    } else if (c === '0') {
      if (rest.startsWith('002')) matched = ['ZeroYearDay', '002'];
      else if (rest[1] >= '1' && rest[1] <= '6') matched = [ZERO_STD[rest[1]], rest.slice(0, 2)];
    } else if (c === '1') {
      matched = rest.startsWith('15') ? ['Hour', '15'] : ['NumMonth', '1'];
    } else if (c === '2') {
      matched = rest.startsWith('2006') ? ['LongYear', '2006'] : ['Day', '2'];
    } else if (c === '_') {
      if (rest.startsWith('_2') && !rest.startsWith('_2006')) matched = ['UnderDay', '_2'];
      else if (rest.startsWith('__2')) matched = ['UnderYearDay', '__2'];
    } else if (c === '3' || c === '4' || c === '5') {
      matched = [({ '3': 'Hour12', '4': 'Minute', '5': 'Second' } as const)[c], c];
    } else if (c === 'P' && rest.startsWith('PM')) {
      matched = ['PM', 'PM'];
    } else if (c === 'p' && rest.startsWith('pm')) {
      matched = ['pm', 'pm'];
    } else if (c === '-' || c === 'Z') {
      const shape = ZONE_SHAPES.find((s) => rest.startsWith(c + s));
      if (shape) matched = [c === 'Z' ? 'ISO' : 'NumTZ', c + shape];
    } else if ((c === '.' || c === ',') && (rest[1] === '0' || rest[1] === '9')) {
      let j = 1;
      while (rest[j] === rest[1]) j++;
      if (!isDigit(rest[j])) matched = [rest[1] === '0' ? 'Frac0' : 'Frac9', rest.slice(0, j)];
    }
    if (matched) {
      emit(matched[0], matched[1]);
      i += matched[1].length;
    } else {
      lit += c;
      i++;
    }
  }
  if (lit) out.push({ lit });
  return out;
}

function bad(what: string): never {
  throw new Error(`cannot parse time: ${what}`);
}

/** Milliseconds since the epoch of a proleptic-Gregorian UTC wall clock (years 0–99 included). */
export function utcMillis(y: number, month: number, day: number, h = 0, mi = 0, s = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(y, month - 1, day);
  d.setUTCHours(h, mi, s, 0);
  return d.getTime();
}

export function daysIn(month: number, year: number): number {
  return new Date(utcMillis(year, month + 1, 0)).getUTCDate();
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function checkInt64(ns: bigint): bigint {
  if (ns < INT64_MIN || ns > INT64_MAX) bad('time outside of the int64 nanosecond range');
  return ns;
}

/** Go's time.Parse(layout, value) → Unix nanoseconds (UTC unless the value carries a zone). */
export function parseTime(layout: string, value: string): bigint {
  let v = value;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nanos = 0;
  let offset = 0;
  let pm: boolean | undefined;
  let yday = -1;
  const num = (fixed: boolean, max: number): number => {
    if (!isDigit(v[0])) bad(`expected a number at ${JSON.stringify(v)}`);
    const n = isDigit(v[1]) ? 2 : fixed ? bad('expected two digits') : 1;
    const out = Number(v.slice(0, n));
    if (out > max) bad('field out of range');
    v = v.slice(n);
    return out;
  };
  const digits = (n: number): number => {
    const s = v.slice(0, n);
    if (s.length !== n || !/^\d+$/.test(s)) bad(`expected ${n} digits`);
    v = v.slice(n);
    return Number(s);
  };
  const lookup = (names: string[], len?: number): number => {
    const idx = names.findIndex((n) => {
      const name = len ? n.slice(0, len) : n;
      return v.slice(0, name.length).toLowerCase() === name.toLowerCase();
    });
    if (idx < 0) bad(`unknown name at ${JSON.stringify(v)}`);
    v = v.slice(len ?? names[idx].length);
    return idx;
  };
  const fraction = (): number => {
    let j = 1;
    while (isDigit(v[j])) j++;
    const ns = Number(v.slice(1, j).slice(0, 9).padEnd(9, '0'));
    v = v.slice(j);
    return ns;
  };
  const chunks = tokenizeLayout(layout);
  for (let ci = 0; ci < chunks.length; ci++) {
    const chunk = chunks[ci];
    if ('lit' in chunk) {
      for (let k = 0; k < chunk.lit.length; k++) {
        if (chunk.lit[k] === ' ') {
          if (v.length > 0 && v[0] !== ' ') bad('expected a space');
          while (chunk.lit[k + 1] === ' ') k++;
          v = v.replace(/^ +/, '');
        } else if (v[0] === chunk.lit[k]) {
          v = v.slice(1);
        } else {
          bad(`expected ${JSON.stringify(chunk.lit)}`);
        }
      }
      continue;
    }
    switch (chunk.std) {
      case 'LongYear':
        year = digits(4);
        break;
      case 'Year': {
        const y = digits(2);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case 'LongMonth':
        month = lookup(LONG_MONTHS) + 1;
        break;
      case 'Month':
        month = lookup(LONG_MONTHS, 3) + 1;
        break;
      case 'NumMonth':
      case 'ZeroMonth':
        month = num(chunk.std === 'ZeroMonth', 12);
        if (month < 1) bad('month out of range');
        break;
      case 'LongWeekDay':
        lookup(LONG_DAYS);
        break;
      case 'WeekDay':
        lookup(LONG_DAYS, 3);
        break;
      case 'Day':
      case 'UnderDay':
      case 'ZeroDay':
        if (chunk.std === 'UnderDay' && v[0] === ' ') v = v.slice(1);
        day = num(chunk.std === 'ZeroDay', 31);
        break;
      case 'UnderYearDay':
      case 'ZeroYearDay':
        if (chunk.std === 'UnderYearDay') v = v.replace(/^ {1,2}/, '');
        yday = chunk.std === 'ZeroYearDay' ? digits(3) : Number(/^\d{1,3}/.exec(v)?.[0] ?? bad('year day'));
        if (chunk.std === 'UnderYearDay') v = v.replace(/^\d{1,3}/, '');
        break;
      case 'Hour':
        hour = num(false, 23);
        break;
      case 'Hour12':
      case 'ZeroHour12':
        hour = num(chunk.std === 'ZeroHour12', 12);
        break;
      case 'Minute':
      case 'ZeroMinute':
        min = num(chunk.std === 'ZeroMinute', 59);
        break;
      case 'Second':
      case 'ZeroSecond': {
        sec = num(chunk.std === 'ZeroSecond', 59);
        const next = chunks[ci + 1];
        const fracNext = next && 'std' in next && (next.std === 'Frac0' || next.std === 'Frac9');
        if (!fracNext && (v[0] === '.' || v[0] === ',') && isDigit(v[1])) nanos = fraction();
        break;
      }
      case 'PM':
      case 'pm': {
        const s = v.slice(0, 2);
        const want = chunk.std === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
        if (!want.includes(s)) bad('expected AM/PM');
        pm = s === want[1];
        v = v.slice(2);
        break;
      }
      case 'ISO':
      case 'NumTZ': {
        if (chunk.std === 'ISO' && v[0] === 'Z') {
          v = v.slice(1);
          offset = 0;
          break;
        }
        const shape = chunk.text.slice(1);
        const re = new RegExp(`^[+-]${shape.replace(/\d/g, '\\d')}`);
        const m = re.exec(v);
        if (!m) bad('expected a zone offset');
        const parts = m[0].slice(1).replace(/:/g, '');
        const hh = Number(parts.slice(0, 2));
        const mm = Number(parts.slice(2, 4) || '0');
        const ss = Number(parts.slice(4, 6) || '0');
        offset = (m[0][0] === '-' ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
        v = v.slice(m[0].length);
        break;
      }
      case 'TZ': {
        const m = /^(?:UTC|GMT|[A-Z][A-Za-z]{2,4})/.exec(v);
        if (!m) bad('expected a zone abbreviation');
        v = v.slice(m[0].length);
        break;
      }
      case 'Frac0': {
        const n = chunk.text.length;
        if (v.length < n || (v[0] !== '.' && v[0] !== ',') || !/^\d+$/.test(v.slice(1, n))) bad('fraction');
        nanos = Number(v.slice(1, n).slice(0, 9).padEnd(9, '0'));
        v = v.slice(n);
        break;
      }
      case 'Frac9':
        if ((v[0] === '.' || v[0] === ',') && isDigit(v[1])) nanos = fraction();
        break;
    }
  }
  if (v.length > 0) bad(`extra text ${JSON.stringify(v)}`);
  if (pm === true && hour < 12) hour += 12;
  else if (pm === false && hour === 12) hour = 0;
  if (yday >= 0) {
    const start = utcMillis(year, 1, 1);
    const d = new Date(start + (yday - 1) * 86_400_000);
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  if (day < 1 || day > daysIn(month, year)) bad('day out of range');
  const ms = utcMillis(year, month, day, hour, min, sec) - offset * 1000;
  return checkInt64(BigInt(ms) * 1_000_000n + BigInt(nanos));
}

/** Civil fields of an instant at a fixed UTC offset (seconds). */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nanos: number;
  weekday: number;
  yday: number;
}

export function civil(ns: bigint, offsetSec: number): Civil {
  let secs = ns / 1_000_000_000n;
  let nanos = Number(ns % 1_000_000_000n);
  if (nanos < 0) {
    nanos += 1_000_000_000;
    secs -= 1n;
  }
  const d = new Date((Number(secs) + offsetSec) * 1000);
  const year = d.getUTCFullYear();
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    min: d.getUTCMinutes(),
    sec: d.getUTCSeconds(),
    nanos,
    weekday: d.getUTCDay(),
    yday: Math.floor((d.getTime() - utcMillis(year, 1, 1)) / 86_400_000) + 1,
  };
}

const pad = (n: number, w: number, fill = '0'): string => String(n).padStart(w, fill);

function zoneText(shape: string, offsetSec: number, iso: boolean): string {
  if (iso && offsetSec === 0) return 'Z';
  const sign = offsetSec < 0 ? '-' : '+';
  const abs = Math.abs(offsetSec);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor(abs / 60) % 60, 2);
  const ss = pad(abs % 60, 2);
  switch (shape) {
    case '070000':
      return sign + hh + mm + ss;
    case '07:00:00':
      return `${sign}${hh}:${mm}:${ss}`;
    case '0700':
      return sign + hh + mm;
    case '07:00':
      return `${sign}${hh}:${mm}`;
    default:
      return sign + hh;
  }
}

/** Go's Time.Format for an instant shown at `offsetSec` with zone abbreviation `abbrev`. */
export function formatTime(layout: string, ns: bigint, offsetSec: number, abbrev: string): string {
  const t = civil(ns, offsetSec);
  let out = '';
  for (const chunk of tokenizeLayout(layout)) {
    if ('lit' in chunk) {
      out += chunk.lit;
      continue;
    }
    const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
    switch (chunk.std) {
      case 'LongYear':
        out += t.year < 0 ? `-${pad(-t.year, 4)}` : pad(t.year, 4);
        break;
      case 'Year':
        out += pad(((t.year % 100) + 100) % 100, 2);
        break;
      case 'LongMonth':
        out += LONG_MONTHS[t.month - 1];
        break;
      case 'Month':
        out += LONG_MONTHS[t.month - 1].slice(0, 3);
        break;
      case 'NumMonth':
        out += t.month;
        break;
      case 'ZeroMonth':
        out += pad(t.month, 2);
        break;
      case 'LongWeekDay':
        out += LONG_DAYS[t.weekday];
        break;
      case 'WeekDay':
        out += LONG_DAYS[t.weekday].slice(0, 3);
        break;
      case 'Day':
        out += t.day;
        break;
      case 'UnderDay':
        out += pad(t.day, 2, ' ');
        break;
      case 'ZeroDay':
        out += pad(t.day, 2);
        break;
      case 'UnderYearDay':
        out += pad(t.yday, 3, ' ');
        break;
      case 'ZeroYearDay':
        out += pad(t.yday, 3);
        break;
      case 'Hour':
        out += pad(t.hour, 2);
        break;
      case 'Hour12':
        out += h12;
        break;
      case 'ZeroHour12':
        out += pad(h12, 2);
        break;
      case 'Minute':
        out += t.min;
        break;
      case 'ZeroMinute':
        out += pad(t.min, 2);
        break;
      case 'Second':
        out += t.sec;
        break;
      case 'ZeroSecond':
        out += pad(t.sec, 2);
        break;
      case 'PM':
        out += t.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += t.hour >= 12 ? 'pm' : 'am';
        break;
      case 'ISO':
      case 'NumTZ':
        out += zoneText(chunk.text.slice(1), offsetSec, chunk.std === 'ISO');
        break;
      case 'TZ':
        out += abbrev || zoneText('0700', offsetSec, false);
        break;
      case 'Frac0':
        out += chunk.text[0] + pad(t.nanos, 9).slice(0, chunk.text.length - 1);
        break;
      case 'Frac9': {
        const digits = pad(t.nanos, 9)
          .slice(0, chunk.text.length - 1)
          .replace(/0+$/, '');
        if (digits) out += chunk.text[0] + digits;
        break;
      }
    }
  }
  return out;
}
