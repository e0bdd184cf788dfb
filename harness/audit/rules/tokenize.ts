// Splitting a rules-file line the way auditctl -R does: only spaces separate words (a tab is part of a
// word), `\ ` keeps a space inside a word and `\\` is a backslash; blank and `#` lines are skipped.

export interface Token {
  text: string;
  /** 1-based column where the word starts. */
  column: number;
}

export type LineTokens = { kind: 'skip' } | { kind: 'words'; tokens: Token[] };

export function tokenizeLine(line: string): LineTokens {
  if (/^ *$/.test(line)) return { kind: 'skip' };
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    const start = i;
    let text = '';
    while (i < line.length && line[i] !== ' ') {
      if (line[i] === '\\' && (line[i + 1] === ' ' || line[i + 1] === '\\')) {
        text += line[i + 1];
        i += 2;
        continue;
      }
      text += line[i];
      i++;
    }
    tokens.push({ text, column: start + 1 });
  }
  if (tokens.length === 0 || tokens[0]!.text.startsWith('#')) return { kind: 'skip' };
  return { kind: 'words', tokens };
}

/** Lines of a file as auditctl's fgets sees them (split on \n only; a final line without \n still counts). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
