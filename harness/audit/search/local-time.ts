// localtime(3) for the times ausearch prints. A JS Date covers ±8.64e12 s (year ±275760); glibc converts
// any second whose year fits tm_year (an int), so a corrupt stamp like msg=audit(100000000000000.000:8)
// is a date in the year 3170843 for ausearch. Such a second is moved by whole 400-year Gregorian cycles
// (dates and weekdays repeat) into Date's range, on the same side of the zone's transitions: far
// future takes the zone's last rule, as glibc's TZ footer does; far past its first offset.

export interface LocalTm {
  year: number;
  /** 0-11 */
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  /** 0 (Sunday) - 6 */
  wday: number;
  /** Seconds east of UTC. */
  gmtoff: number;
}

/** Seconds in 400 Gregorian years (146097 days, a whole number of weeks). */
const CYCLE = 146097 * 86400;
/** A Date's range in seconds, and where a moved second lands (well inside it, far from any transition). */
const DATE_LIMIT = 8.64e12;
const LANDING = 6e12;
const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** localtime(sec) in the process's time zone, or undefined where glibc's localtime fails (tm_year overflows). */
export function localTime(sec: number): LocalTm | undefined {
  let cycles = 0;
  // (also a second just inside the range, whose local wall time, needed for gmtoff, may lie outside it)
  if (sec > DATE_LIMIT - 2 * 86400 || sec < -DATE_LIMIT + 2 * 86400) {
    cycles = Math.trunc((sec - Math.sign(sec) * LANDING) / CYCLE);
  }
  const moved = sec - cycles * CYCLE;
  const d = new Date(moved * 1000);
  if (Number.isNaN(d.getTime())) return undefined;
  const year = d.getFullYear() + cycles * 400;
  if (year - 1900 > INT_MAX || year - 1900 < INT_MIN) return undefined;
  const tm = { year, mon: d.getMonth(), mday: d.getDate(), hour: d.getHours(), min: d.getMinutes(), sec: d.getSeconds(), wday: d.getDay(), gmtoff: 0 };
  // not getTimezoneOffset(), which rounds an offset like LMT's -4:56:02 to whole minutes
  // (setUTCFullYear, since Date.UTC reads years 0-99 as 1900-1999)
  const wall = new Date(0);
  wall.setUTCFullYear(d.getFullYear(), tm.mon, tm.mday);
  wall.setUTCHours(tm.hour, tm.min, tm.sec);
  tm.gmtoff = wall.getTime() / 1000 - Math.floor(moved);
  return tm;
}

/** strftime's %y: the year's last two digits, 00-99 also before year 0 (from tm_year, as glibc does). */
export function twoDigitYear(year: number): number {
  return (((year - 1900) % 100) + 100) % 100;
}
