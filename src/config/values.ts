// Value syntaxes shared by directives: booleans, data sizes and durations, as maddy-config(5)
// defines them, so a value copied from a maddy configuration means the same thing here.

/**
 * maddy's boolean words (case-insensitive): `yes`, `true`, `on`, `1` and `no`, `false`, `off`,
 * `0`. Returns undefined for anything else. (A directive given without an argument also means
 * yes; that is the caller's business.)
 */
export function parseBoolean(word: string): boolean | undefined {
  switch (word.toLowerCase()) {
    case 'yes':
    case 'true':
    case 'on':
    case '1':
      return true;
    case 'no':
    case 'false':
    case 'off':
    case '0':
      return false;
    default:
      return undefined;
  }
}

const SIZE_UNITS: Record<string, number> = { G: 1024 ** 3, M: 1024 ** 2, K: 1024, B: 1, b: 1 };

/**
 * A data size in bytes: whole numbers with a unit suffix, `G`, `M`, `K` (powers of 1024) or
 * `B`/`b`, several parts separated by spaces adding up (`3M 5K`). As in maddy, a suffix is
 * required except for `0`, and parts cannot be run together (`32M5K` is an error).
 * Throws an Error whose message explains the problem.
 */
export function parseSize(text: string): number {
  const parts = text
    .trim()
    .split(/\s+/)
    .filter((p) => p !== '');
  if (parts.length === 0) throw new Error('missing size');
  let total = 0;
  for (const part of parts) {
    const m = /^(\d+)([A-Za-z]*)$/.exec(part);
    if (!m) throw new Error(`invalid size ${JSON.stringify(part)}: expected a number with a unit, like 32M`);
    const num = Number(m[1]);
    const unit = m[2] as string;
    if (unit === '') {
      if (num === 0) continue;
      throw new Error(`size ${JSON.stringify(part)} needs a unit suffix: G, M, K or B`);
    }
    const factor = SIZE_UNITS[unit];
    if (factor === undefined) throw new Error(`unknown size unit ${JSON.stringify(unit)} in ${JSON.stringify(part)}: use G, M, K or B`);
    total += num * factor;
  }
  if (!Number.isSafeInteger(total)) throw new Error(`size ${JSON.stringify(text)} is too large`);
  return total;
}

const DURATION_UNITS_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ns: 1e-6,
};

/**
 * A duration in milliseconds, in Go's `time.ParseDuration` syntax that maddy uses: decimal
 * numbers (fractions allowed) each followed by a unit, `h`, `m`, `s`, `ms` (also `us`, `ns`),
 * e.g. `5s`, `1h30m`, `1.5h`, `500ms`; spaces between parts are allowed (`1h 5m`); a bare `0`
 * is zero. Negative durations are rejected, as maddy rejects them.
 * Throws an Error whose message explains the problem.
 */
export function parseDuration(text: string): number {
  const s = text.replace(/\s+/g, '');
  if (s === '') throw new Error('missing duration');
  if (s === '0') return 0;
  if (s.startsWith('-')) throw new Error(`duration ${JSON.stringify(text)} must not be negative`);
  const body = s.startsWith('+') ? s.slice(1) : s;
  const part = /(\d+(?:\.\d*)?|\.\d+)([a-zA-Zµμ]*)/y;
  let total = 0;
  let pos = 0;
  while (pos < body.length) {
    part.lastIndex = pos;
    const m = part.exec(body);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: expected something like 5s, 30m, 1h or 500ms`);
    const unit = m[2] as string;
    if (unit === '') throw new Error(`duration ${JSON.stringify(text)} needs a unit: h, m, s or ms`);
    const factor = Object.hasOwn(DURATION_UNITS_MS, unit) ? DURATION_UNITS_MS[unit] : undefined;
    if (factor === undefined)
      throw new Error(`unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}: use h, m, s or ms`);
    total += Number(m[1]) * factor;
    pos = part.lastIndex;
  }
  if (!Number.isFinite(total)) throw new Error(`duration ${JSON.stringify(text)} is too large`);
  return total;
}
