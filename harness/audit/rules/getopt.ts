// GNU getopt_long over one line's words with auditctl's option string, so clustered (-Dk),
// attached (-kfoo) and permuted forms behave as they do for auditctl.
import type { Token } from './tokenize.js';

const SHORT = 'hicslDvtC:e:f:r:b:a:A:d:S:F:m:R:w:W:k:p:q:';
const LONG: Record<string, boolean> = {
  // name -> takes an argument
  'loginuid-immutable': false,
  backlog_wait_time: true,
  'reset-lost': false,
  reset_backlog_wait_time_actual: false,
  signal: true,
};

export interface Opt {
  /** Short letter, or the long name. */
  name: string;
  arg?: string;
  /** Column of the option word. */
  column: number;
  /** Column of the argument word (same as column when attached). */
  argColumn?: number;
}

export interface GetoptResult {
  opts: Opt[];
  /** First problem getopt itself reports (auditctl stops at it). */
  error?: { message: string; column: number };
  /** Words that are not options or their arguments. */
  stray: Token[];
}

function shortTakesArg(c: string): boolean | undefined {
  const i = SHORT.indexOf(c);
  if (i < 0 || c === ':') return undefined;
  return SHORT[i + 1] === ':';
}

export function getopt(words: Token[]): GetoptResult {
  const opts: Opt[] = [];
  const stray: Token[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.text === '--') {
      stray.push(...words.slice(i + 1));
      break;
    }
    if (w.text.startsWith('--')) {
      const body = w.text.slice(2);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      let full: string | undefined = Object.hasOwn(LONG, name) ? name : undefined;
      if (!full) {
        const matches = Object.keys(LONG).filter((n) => n.startsWith(name));
        if (matches.length === 1) full = matches[0];
      }
      if (!full || name === '') return { opts, stray, error: { message: `Option ${w.text} is invalid`, column: w.column } };
      if (LONG[full]) {
        if (eq >= 0) opts.push({ name: full, arg: body.slice(eq + 1), column: w.column, argColumn: w.column });
        else if (i + 1 < words.length) {
          const a = words[++i]!;
          opts.push({ name: full, arg: a.text, column: w.column, argColumn: a.column });
        } else return { opts, stray, error: { message: `Option ${w.text} is invalid`, column: w.column } };
      } else if (eq >= 0) {
        return { opts, stray, error: { message: `Option ${w.text} is invalid`, column: w.column } };
      } else opts.push({ name: full, column: w.column });
      continue;
    }
    if (!w.text.startsWith('-') || w.text === '-') {
      stray.push(w);
      continue;
    }
    // A cluster of short options.
    for (let j = 1; j < w.text.length; j++) {
      const c = w.text[j]!;
      const takes = shortTakesArg(c);
      if (takes === undefined) return { opts, stray, error: { message: `Option ${w.text} is invalid`, column: w.column } };
      if (!takes) {
        opts.push({ name: c, column: w.column });
        continue;
      }
      if (j + 1 < w.text.length) {
        opts.push({ name: c, arg: w.text.slice(j + 1), column: w.column, argColumn: w.column + j + 1 });
      } else if (i + 1 < words.length) {
        const a = words[++i]!;
        opts.push({ name: c, arg: a.text, column: w.column, argColumn: a.column });
      } else {
        return { opts, stray, error: { message: `Option ${w.text} is invalid`, column: w.column } };
      }
      break;
    }
  }
  return { opts, stray };
}
