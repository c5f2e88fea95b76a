// RFC 5322 §3.3 date-time, read leniently (obsolete forms of §4.3, missing seconds or zone).

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The calendar date and time written in a Date header, with its zone disregarded, as ms since
 * the epoch read as UTC. SENTBEFORE/SENTON/SENTSINCE compare "disregarding time and timezone"
 * (RFC 3501 §6.4.4), so the date as written is what counts. Null when unreadable.
 */
export function parseDateHeader(value: string): number | null {
  const m = /(\d{1,2})\s*[-\s]\s*([A-Za-z]{3})[a-z]*\s*[-\s]\s*(\d{2,4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?/.exec(value);
  if (m === null) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  // RFC 5322 §4.3: two-digit years 00-49 are 2000-2049, 50-99 are 1950-1999; three digits add 1900.
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const day = Number(m[1]);
  if (day < 1 || day > 31) return null;
  const ms = Date.UTC(year, month, day, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  return Number.isFinite(ms) ? ms : null;
}
