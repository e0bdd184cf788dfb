// Text helpers shared by the reporters: outcome marks, durations, and making untrusted record text safe to show.
import type { Outcome } from '../result.js';

export const OUTCOMES: readonly Outcome[] = ['pass', 'gap', 'fail', 'error', 'not-applicable'];

export const MARK: Record<Outcome, string> = {
  pass: '✓',
  gap: '◆',
  fail: '✗',
  error: '!',
  'not-applicable': '-',
};

export const LABEL: Record<Outcome, string> = {
  pass: 'pass',
  gap: 'gap (documented)',
  fail: 'fail',
  error: 'error',
  'not-applicable': 'n/a',
};

/** 850 ms, 1.2 s, 2m03s. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Makes text from a guest (audit records, command output) safe for a terminal or a one-line cell: control
 * characters (ESC, NUL, ...) and lone surrogates become visible escapes, so a record can never move the cursor
 * or change colours. Newlines and tabs are kept unless `oneLine`.
 */
export function visible(text: string, oneLine = false): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    if (!oneLine && (c === '\n' || c === '\t')) return c === '\t' ? '    ' : c;
    if (oneLine && c === '\n') return '⏎';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** Cuts a string to at most `max` characters, keeping the head and saying how much was dropped. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `…[+${text.length - max} chars]`;
  const keep = Math.max(1, max - note.length);
  return text.slice(0, keep) + note;
}

/** Splits one line into pieces of at most `width` characters. */
export function wrap(line: string, width: number): string[] {
  if (width < 1) return [line];
  const out: string[] = [];
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i += width) out.push(chars.slice(i, i + width).join(''));
  return out.length ? out : [''];
}

/** Word wrap at spaces (audit fields stay whole when they fit); words wider than `width` are split. */
export function wrapWords(line: string, width: number): string[] {
  if (width < 1 || Array.from(line).length <= width) return [line];
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(' ')) {
    const candidate = cur === '' ? word : `${cur} ${word}`;
    if (Array.from(candidate).length <= width) {
      cur = candidate;
      continue;
    }
    if (cur !== '') out.push(cur);
    const pieces = wrap(word, width);
    cur = pieces.pop()!;
    out.push(...pieces);
  }
  out.push(cur);
  return out;
}

/** Character count as a terminal shows it (code points; the reporters only emit BMP symbols of width 1). */
export function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
