// The tree a KQL query parses to. Like Kibana's, a grouped value list `f:(a or b)` is expanded at parse
// time into `f:a or f:b`, so the evaluator sees only boolean nodes over single-value tests.

/** A value or field name as written, after unescaping. */
export type KqlTerm =
  | { kind: 'literal'; text: string; quoted: boolean }
  /** Unquoted and holding at least one unescaped `*`: `parts` are the text between the wildcards. */
  | { kind: 'wildcard'; parts: string[] };

export type RangeOp = 'lt' | 'lte' | 'gt' | 'gte';

export type KqlNode =
  | { type: 'or'; nodes: KqlNode[] }
  | { type: 'and'; nodes: KqlNode[] }
  | { type: 'not'; node: KqlNode }
  /** `field:value`, or a bare `value` (field null: any field). A quoted value is a phrase. */
  | { type: 'is'; field: KqlTerm | null; value: KqlTerm }
  | { type: 'range'; field: KqlTerm; op: RangeOp; value: KqlTerm }
  /** The empty query: every document. */
  | { type: 'all' };

/** A wildcard term that is nothing but `*` (`field:*` is an existence test). */
export function isBareWildcard(t: KqlTerm): boolean {
  return t.kind === 'wildcard' && t.parts.every((p) => p === '');
}

/** The term as plain text (wildcards shown as `*`), for messages. */
export function termText(t: KqlTerm): string {
  return t.kind === 'literal' ? t.text : t.parts.join('*');
}
