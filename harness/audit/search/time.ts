// -ts/-te as ausearch reads them (src/ausearch-time.c): a date in the C locale's %x form
// (MM/DD/YY), a time %X (HH:MM[:SS]), or a keyword; all in local time (TZ), compared by seconds.
import os from 'node:os';

export class TimeError extends Error {}

interface Tm { year: number; mon: number; mday: number; hour: number; min: number; sec: number }

const DAY = 86400;

function local(t: number): Tm {
  const d = new Date(t * 1000);
  return { year: d.getFullYear(), mon: d.getMonth(), mday: d.getDate(), hour: d.getHours(), min: d.getMinutes(), sec: d.getSeconds() };
}

function mktime(tm: Tm): number {
  return Math.floor(new Date(tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec).getTime() / 1000);
}

function dateOf(tm: Tm, from: Tm): void {
  tm.year = from.year;
  tm.mon = from.mon;
  tm.mday = from.mday;
}

function timeOf(tm: Tm, from: Tm): void {
  tm.hour = from.hour;
  tm.min = from.min;
  tm.sec = from.sec;
}

const KEYWORDS = ['now', 'recent', 'boot', 'today', 'yesterday', 'this-week', 'week-ago', 'this-month', 'this-year'];

function keyword(word: string, tm: Tm, nowSec: number): boolean {
  if (!KEYWORDS.includes(word)) return false;
  const now = local(nowSec);
  const midnightOf = (t: number) => {
    tm.hour = tm.min = tm.sec = 0;
    dateOf(tm, local(t));
  };
  switch (word) {
    case 'now': timeOf(tm, now); dateOf(tm, now); break;
    case 'recent': { const r = local(nowSec - 600); timeOf(tm, r); dateOf(tm, r); break; }
    case 'boot': { const b = local(nowSec - Math.floor(os.uptime() + 0.5)); timeOf(tm, b); dateOf(tm, b); break; }
    case 'today': midnightOf(nowSec); break;
    case 'yesterday': midnightOf(nowSec - DAY); break;
    case 'this-week': midnightOf(nowSec - new Date(nowSec * 1000).getDay() * DAY); break;
    case 'week-ago': midnightOf(nowSec - 7 * DAY); break;
    case 'this-month': midnightOf(nowSec); tm.mday = 1; break;
    case 'this-year': midnightOf(nowSec); tm.mday = 1; tm.mon = 0; break;
  }
  return true;
}

/** strptime(s, "%m/%d/%y"): undefined when nothing parses, 'rest' when text is left over. */
function parseDate(s: string, tm: Tm): 'ok' | 'rest' | undefined {
  const m = /^\s*(\d{1,2})\/\s*(\d{1,2})\/\s*(\d{1,2})/.exec(s);
  if (!m) return undefined;
  const mon = Number(m[1]);
  const mday = Number(m[2]);
  const yy = Number(m[3]);
  if (mon < 1 || mon > 12 || mday < 1 || mday > 31) return undefined;
  tm.mon = mon - 1;
  tm.mday = mday;
  tm.year = yy < 69 ? 2000 + yy : 1900 + yy;
  return m[0].length === s.length ? 'ok' : 'rest';
}

/** strptime(s, "%H:%M:%S"). */
function parseTime(s: string, tm: Tm): 'ok' | 'rest' | undefined {
  const m = /^\s*(\d{1,2}):\s*(\d{1,2}):\s*(\d{1,2})/.exec(s);
  if (!m) return undefined;
  const [h, mi, se] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || mi > 59 || se > 61) return undefined;
  tm.hour = h;
  tm.min = mi;
  tm.sec = se;
  return m[0].length === s.length ? 'ok' : 'rest';
}

/** Seconds since the epoch for -ts (kind 'start') or -te ('end'); throws TimeError with ausearch's message. */
export function parseSearchTime(kind: 'start' | 'end', date: string | undefined, time: string | undefined, now: Date): number {
  const nowSec = Math.floor(now.getTime() / 1000);
  const tm: Tm = { year: 1900, mon: 0, mday: 0, hour: 0, min: 0, sec: 0 };
  if (date === undefined) {
    const n = local(nowSec);
    timeOf(tm, n);
    dateOf(tm, n);
  } else if (keyword(date, tm, nowSec)) {
    if (['recent', 'now', 'boot'].includes(date) && (time === undefined || time === '00:00:00')) return mktime(tm);
    if (kind === 'end' && date === 'today') {
      const n = local(nowSec);
      timeOf(tm, n);
      dateOf(tm, n);
      if (time === undefined || time === '00:00:00') return mktime(tm);
    }
  } else {
    const r = parseDate(date, tm);
    if (r === undefined) throw new TimeError(`Invalid ${kind} date (${date}). Month, Day, and Year are required.\n`);
    if (r === 'rest') throw new TimeError(`Error parsing ${kind} date (${date})\n`);
  }
  if (time !== undefined) {
    const t = time.length <= 5 ? `${time}:00` : time;
    const r = parseTime(t, tm);
    if (r === undefined) throw new TimeError(`Invalid ${kind} time (${time}). Hour, Minute, and Second are required.\n`);
    if (r === 'rest') throw new TimeError(`Error parsing ${kind} time (${time})\n`);
  } else if (kind === 'start') {
    tm.year = 1900; tm.mon = 0; tm.mday = 0; tm.hour = 0; tm.min = 0; tm.sec = 0;
  } else {
    timeOf(tm, local(nowSec));
  }
  if (tm.year < 2004) throw new TimeError(`Error - year is ${tm.year}\n`);
  return mktime(tm);
}
