// Kibana Query Language parser: a hand-written PEG parser for the grammar described in README.md
// (Kibana's kuery grammar, packages/kbn-es-query/grammar/grammar.peggy, read for behaviour).
// Ordered choice with backtracking, as PEG does; errors name the farthest column the parse reached.
import type { KqlNode, KqlTerm, RangeOp } from './kql-ast.js';

export class KqlSyntaxError extends Error {
  constructor(
    readonly query: string,
    /** 1-based. */
    readonly column: number,
    readonly reason: string,
  ) {
    super(`KQL syntax error at column ${column}: ${reason}\n  ${query}\n  ${' '.repeat(column - 1)}^`);
    this.name = 'KqlSyntaxError';
  }
}

const SPECIAL = new Set(['\\', '(', ')', ':', '<', '>', '"', '*', '{', '}']);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\u00a0';
const KEYWORDS = ['or', 'and', 'not'];

/** Built while a value is read: text between wildcards. */
class TermBuilder {
  parts: string[] = [''];
  wild = false;
  add(s: string): void {
    this.parts[this.parts.length - 1] += s;
  }
  wildcard(): void {
    this.wild = true;
    this.parts.push('');
  }
  /** Kibana trims the unquoted sequence as a whole. */
  build(): KqlTerm {
    const p = [...this.parts];
    p[0] = p[0].replace(/^[ \t\r\n\u00a0]+/, '');
    p[p.length - 1] = p[p.length - 1].replace(/[ \t\r\n\u00a0]+$/, '');
    return this.wild ? { kind: 'wildcard', parts: p } : { kind: 'literal', text: p[0], quoted: false };
  }
}

type ValuePartial = (field: KqlTerm | null) => KqlNode;

class Parser {
  pos = 0;
  private failPos = -1;
  private expected = new Set<string>();

  constructor(readonly src: string) {}

  private fail(what: string): null {
    if (this.pos > this.failPos) {
      this.failPos = this.pos;
      this.expected.clear();
    }
    if (this.pos === this.failPos) this.expected.add(what);
    return null;
  }

  private peek(n = 0): string | undefined {
    return this.src[this.pos + n];
  }

  private spaces(): number {
    const start = this.pos;
    while (isSpace(this.peek())) this.pos++;
    return this.pos - start;
  }

  private char(c: string): boolean {
    if (this.peek() === c) {
      this.pos++;
      return true;
    }
    this.fail(`'${c}'`);
    return false;
  }

  /** Case-insensitive word at `at`, not consuming. */
  private wordAt(at: number, word: string): boolean {
    return this.src.slice(at, at + word.length).toLowerCase() === word;
  }

  /** Or / And: Space+ word Space+. Consumes on success. */
  private binaryKeyword(word: 'or' | 'and'): boolean {
    const at = this.binaryKeywordEnd(this.pos, word);
    if (at < 0) {
      this.fail(`'${word}'`);
      return false;
    }
    this.pos = at;
    return true;
  }

  private binaryKeywordEnd(from: number, word: string): number {
    let i = from;
    while (isSpace(this.src[i])) i++;
    if (i === from || !this.wordAt(i, word)) return -1;
    let j = i + word.length;
    const after = j;
    while (isSpace(this.src[j])) j++;
    return j === after ? -1 : j;
  }

  /** Not: 'not' Space+. */
  private notKeywordEnd(from: number): number {
    if (!this.wordAt(from, 'not')) return -1;
    let j = from + 3;
    while (isSpace(this.src[j])) j++;
    return j === from + 3 ? -1 : j;
  }

  private keywordAhead(): boolean {
    return this.binaryKeywordEnd(this.pos, 'or') >= 0 || this.binaryKeywordEnd(this.pos, 'and') >= 0 || this.notKeywordEnd(this.pos) >= 0;
  }

  parse(): KqlNode {
    this.spaces();
    if (this.pos === this.src.length) return { type: 'all' };
    const q = this.orQuery();
    if (q) {
      this.spaces();
      if (this.pos === this.src.length) return q;
      this.fail('end of query');
    }
    throw this.error();
  }

  private error(): KqlSyntaxError {
    const at = Math.max(this.failPos, 0);
    const found = at >= this.src.length ? 'end of query' : `'${this.src[at]}'`;
    const expected = [...this.expected];
    const list = expected.length <= 1 ? expected.join('') : `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}`;
    return new KqlSyntaxError(this.src, at + 1, `expected ${list || 'a query'} but found ${found}`);
  }

  private orQuery(): KqlNode | null {
    return this.chain(() => this.andQuery(), 'or', (nodes) => ({ type: 'or', nodes }));
  }

  private andQuery(): KqlNode | null {
    return this.chain(() => this.notQuery(), 'and', (nodes) => ({ type: 'and', nodes }));
  }

  /** head (keyword next)*: a trailing keyword whose operand fails is given back (PEG backtracking). */
  private chain<T>(next: () => T | null, word: 'or' | 'and', join: (items: T[]) => T): T | null {
    const head = next();
    if (head === null) return null;
    const items = [head];
    for (;;) {
      const save = this.pos;
      if (!this.binaryKeyword(word)) break;
      const item = next();
      if (item === null) {
        this.pos = save;
        break;
      }
      items.push(item);
    }
    return items.length === 1 ? head : join(items);
  }

  private notQuery(): KqlNode | null {
    const save = this.pos;
    const end = this.notKeywordEnd(this.pos);
    if (end >= 0) {
      this.pos = end;
      const q = this.subQuery();
      if (q) return { type: 'not', node: q };
      this.pos = save;
    }
    return this.subQuery();
  }

  /** '(' Space* inner Space* ')', or null with nothing consumed. */
  private parenthesized<T>(inner: () => T | null): T | null {
    const save = this.pos;
    if (!this.char('(')) return null;
    this.spaces();
    const q = inner();
    if (q !== null) {
      this.spaces();
      if (this.char(')')) return q;
    }
    this.pos = save;
    return null;
  }

  private subQuery(): KqlNode | null {
    return this.parenthesized(() => this.orQuery()) ?? this.expression();
  }

  private expression(): KqlNode | null {
    return this.fieldRange() ?? this.fieldValue() ?? this.valueExpression();
  }

  private fieldRange(): KqlNode | null {
    const save = this.pos;
    const field = this.literal();
    if (field) {
      this.spaces();
      const op = this.rangeOp();
      if (op) {
        this.spaces();
        const value = this.literal();
        if (value) return { type: 'range', field, op, value };
      }
    }
    this.pos = save;
    return null;
  }

  private rangeOp(): RangeOp | null {
    const two = this.src.slice(this.pos, this.pos + 2);
    if (two === '<=' || two === '>=') {
      this.pos += 2;
      return two === '<=' ? 'lte' : 'gte';
    }
    const one = this.peek();
    if (one === '<' || one === '>') {
      this.pos++;
      return one === '<' ? 'lt' : 'gt';
    }
    this.fail("'<', '<=', '>' or '>='");
    return null;
  }

  private fieldValue(): KqlNode | null {
    const save = this.pos;
    const field = this.literal();
    if (field) {
      this.spaces();
      if (this.char(':')) {
        this.spaces();
        if (this.peek() === '{') {
          throw new KqlSyntaxError(this.src, this.pos + 1, 'nested field queries (field:{ ... }) are not supported');
        }
        const partial = this.listOfValues();
        if (partial) return partial(field);
      }
    }
    this.pos = save;
    return null;
  }

  private valueExpression(): KqlNode | null {
    const partial = this.value();
    return partial ? partial(null) : null;
  }

  private listOfValues(): ValuePartial | null {
    return this.parenthesized(() => this.orListOfValues()) ?? this.value();
  }

  private orListOfValues(): ValuePartial | null {
    return this.chain(() => this.andListOfValues(), 'or', (ps) => (f) => ({ type: 'or', nodes: ps.map((p) => p(f)) }));
  }

  private andListOfValues(): ValuePartial | null {
    return this.chain(() => this.notListOfValues(), 'and', (ps) => (f) => ({ type: 'and', nodes: ps.map((p) => p(f)) }));
  }

  private notListOfValues(): ValuePartial | null {
    const save = this.pos;
    const end = this.notKeywordEnd(this.pos);
    if (end >= 0) {
      this.pos = end;
      const p = this.listOfValues();
      if (p) return (f) => ({ type: 'not', node: p(f) });
      this.pos = save;
    }
    return this.listOfValues();
  }

  private value(): ValuePartial | null {
    const term = this.literal();
    return term ? (field) => ({ type: 'is', field, value: term }) : null;
  }

  private literal(): KqlTerm | null {
    return this.peek() === '"' ? this.quoted() : this.unquoted();
  }

  private quoted(): KqlTerm | null {
    const save = this.pos;
    this.pos++;
    let text = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        this.fail("'\"'");
        this.pos = save;
        return null;
      }
      if (c === '"') break;
      const esc = c === '\\' ? this.escapedWhitespaceOrUnicode() : undefined;
      if (esc !== undefined) {
        text += esc;
      } else if (c === '\\' && (this.peek(1) === '\\' || this.peek(1) === '"')) {
        text += this.peek(1);
        this.pos += 2;
      } else {
        text += c;
        this.pos++;
      }
    }
    this.pos++;
    return { kind: 'literal', text, quoted: true };
  }

  /** `\t` `\r` `\n` or `\uXXXX` at pos: consumed and returned. */
  private escapedWhitespaceOrUnicode(): string | undefined {
    const n = this.peek(1);
    const ws = n === 't' ? '\t' : n === 'r' ? '\r' : n === 'n' ? '\n' : undefined;
    if (ws !== undefined) {
      this.pos += 2;
      return ws;
    }
    if (n === 'u' && /^[0-9a-f]{4}$/i.test(this.src.slice(this.pos + 2, this.pos + 6))) {
      const ch = String.fromCharCode(parseInt(this.src.slice(this.pos + 2, this.pos + 6), 16));
      this.pos += 6;
      return ch;
    }
    return undefined;
  }

  private unquoted(): KqlTerm | null {
    const start = this.pos;
    const b = new TermBuilder();
    for (;;) {
      const c = this.peek();
      if (c === undefined) break;
      if (c === '\\') {
        const esc = this.escapedWhitespaceOrUnicode();
        if (esc !== undefined) {
          b.add(esc);
          continue;
        }
        const n = this.peek(1);
        if (n !== undefined && SPECIAL.has(n)) {
          b.add(n);
          this.pos += 2;
          continue;
        }
        const kw = KEYWORDS.find((k) => this.wordAt(this.pos + 1, k));
        if (kw !== undefined) {
          b.add(this.src.slice(this.pos + 1, this.pos + 1 + kw.length));
          this.pos += 1 + kw.length;
          continue;
        }
        break;
      }
      if (c === '*') {
        b.wildcard();
        this.pos++;
        continue;
      }
      if (SPECIAL.has(c) || this.keywordAhead()) break;
      b.add(c);
      this.pos++;
    }
    if (this.pos === start) {
      this.fail('a value');
      return null;
    }
    return b.build();
  }
}

/** Parses a KQL query; throws KqlSyntaxError (with the column) when it is malformed. */
export function parseKql(query: string): KqlNode {
  return new Parser(query).parse();
}
