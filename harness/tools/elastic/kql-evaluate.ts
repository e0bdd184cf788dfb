// Evaluates a parsed KQL query against one document, with the semantics README.md lists: every field is
// matched as an ECS keyword/number field would be (exact, case-sensitive, no analyzer), and a field with
// several values matches a single-value test when any of its values does.
import { isBareWildcard, type KqlNode, type KqlTerm, type RangeOp } from './kql-ast.js';
import { parseKql } from './kql-parse.js';
import { indexDocument, type FieldIndex, type Scalar } from './document-fields.js';
import { wildcardRegExp } from './wildcard.js';

/** The indexed paths a field term names: the path itself (and its sub-fields, for `field:*`), or every path a `*` pattern matches. */
function fieldsOf(index: FieldIndex, field: KqlTerm | null, withSubfields: boolean): string[] {
  if (field === null) return [...index.keys()];
  if (field.kind === 'wildcard') {
    const re = wildcardRegExp(field.parts);
    return [...index.keys()].filter((k) => re.test(k));
  }
  const exact = index.has(field.text) ? [field.text] : [];
  if (!withSubfields) return exact;
  const prefix = `${field.text}.`;
  return [...exact, ...[...index.keys()].filter((k) => k.startsWith(prefix))];
}

function valuesOf(index: FieldIndex, fields: string[]): Scalar[] {
  return fields.flatMap((f) => index.get(f) ?? []);
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function matchesValue(v: Scalar, value: KqlTerm): boolean {
  const s = String(v);
  if (value.kind === 'wildcard') return wildcardRegExp(value.parts).test(s);
  // a number field matches the number the text spells (243 matches 243.0)
  if (typeof v === 'number' && NUMERIC.test(value.text.trim())) return v === Number(value.text);
  return s === value.text;
}

function compare(v: Scalar, bound: string): number | undefined {
  if (typeof v === 'boolean') return undefined;
  const s = String(v);
  if (NUMERIC.test(s.trim()) && NUMERIC.test(bound.trim())) return Number(s) - Number(bound);
  // keyword ranges are lexicographic
  return s < bound ? -1 : s > bound ? 1 : 0;
}

function inRange(c: number | undefined, op: RangeOp): boolean {
  if (c === undefined) return false;
  return op === 'lt' ? c < 0 : op === 'lte' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0;
}

export function evaluateKql(node: KqlNode, index: FieldIndex): boolean {
  switch (node.type) {
    case 'all':
      return true;
    case 'or':
      return node.nodes.some((n) => evaluateKql(n, index));
    case 'and':
      return node.nodes.every((n) => evaluateKql(n, index));
    case 'not':
      return !evaluateKql(node.node, index);
    case 'is': {
      if (isBareWildcard(node.value)) return valuesOf(index, fieldsOf(index, node.field, true)).length > 0;
      return valuesOf(index, fieldsOf(index, node.field, false)).some((v) => matchesValue(v, node.value));
    }
    case 'range': {
      const bound = node.value.kind === 'literal' ? node.value.text : node.value.parts.join('*');
      return valuesOf(index, fieldsOf(index, node.field, false)).some((v) => inRange(compare(v, bound), node.op));
    }
  }
}

/** A query parsed once, tested against many documents. */
export class KqlQuery {
  readonly ast: KqlNode;
  constructor(readonly text: string) {
    this.ast = parseKql(text);
  }
  matches(doc: unknown): boolean {
    return evaluateKql(this.ast, indexDocument(doc));
  }
}
