const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const SHORT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
// ISO-8601 durations without years and months: those have no fixed length.
const ISO =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** For the JSON Schema, so editors flag a bad duration as it is typed. */
export const DURATION_PATTERN = `${SHORT.source}|${ISO.source}`;

export const DURATION_HINT = 'write a duration such as 500ms, 30s, 15m, 2h, 7d, or ISO-8601 such as PT15M';

/** Parses `30s` or `PT30S` into milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const short = SHORT.exec(trimmed);
  if (short) {
    const [, amount, unit] = short;
    return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  }
  const iso = ISO.exec(trimmed.toUpperCase());
  if (!iso || trimmed.length <= 1 || trimmed.toUpperCase().endsWith('T')) return undefined;
  const [, w, d, h, m, s] = iso;
  const part = (v: string | undefined, unit: number) => (v === undefined ? 0 : Number(v) * unit);
  return Math.round(
    part(w, 7 * UNIT_MS.d) +
      part(d, UNIT_MS.d) +
      part(h, UNIT_MS.h) +
      part(m, UNIT_MS.m) +
      part(s, UNIT_MS.s),
  );
}

/** Renders milliseconds the way a person reads them: 1h 2m 3s, 450ms. */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0)
    parts.push(rest % 1000 === 0 ? `${rest / 1000}s` : `${(rest / 1000).toFixed(3).replace(/0+$/, '')}s`);
  return parts.join(' ');
}
