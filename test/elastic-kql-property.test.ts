// Properties of the KQL evaluator over random queries and documents: boolean laws, precedence,
// case-insensitive keywords, multi-valued fields, quoting, and errors (never a crash) on any input.
import test from 'ava';
import fc from 'fast-check';
import { KqlQuery } from '../harness/tools/elastic/kql-evaluate.js';
import { KqlSyntaxError, parseKql } from '../harness/tools/elastic/kql-parse.js';

const FIELDS = ['f', 'g.h'];
const VALUES = ['x', 'y', 'sudo', '-r', 'a b', 'or', 'a*b', '(z)', 'rmmod'];
const quote = (v: string): string => `"${v.replace(/[\\"]/g, '\\$&')}"`;
const matches = (q: string, doc: unknown): boolean => new KqlQuery(q).matches(doc);

const valueArb = fc.constantFrom(...VALUES);
const docArb = fc.record({
  f: fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 })),
  g: fc.record({ h: fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 })) }),
});

/** Value patterns for one field: a phrase, a bare word, a wildcard, existence, or a group of alternatives. */
const patternArb = fc.oneof(
  valueArb.map(quote),
  fc.constantFrom('x', 'y', 'sudo', '-r', 'rmmod'),
  fc.constantFrom('*', 'a*', '*b', 'r*d', '*u*'),
  fc.tuple(valueArb, valueArb).map(([a, b]) => `(${quote(a)} or ${quote(b)})`),
);
const atomArb = fc.tuple(fc.constantFrom(...FIELDS), patternArb).map(([f, p]) => `${f}:${p}`);

const queryArb: fc.Arbitrary<string> = fc.letrec<{ q: string }>((tie) => ({
  q: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atomArb,
    tie('q').map((a) => `not (${a})`),
    fc.tuple(tie('q'), tie('q')).map(([a, b]) => `(${a}) and (${b})`),
    fc.tuple(tie('q'), tie('q')).map(([a, b]) => `(${a}) or (${b})`),
  ),
})).q;

test('not (A) is the negation of A', (t) => {
  fc.assert(fc.property(queryArb, docArb, (a, doc) => matches(`not (${a})`, doc) === !matches(a, doc)));
  t.pass();
});

test('A or B matches when either does; A and B when both do', (t) => {
  fc.assert(
    fc.property(queryArb, queryArb, docArb, (a, b, doc) => {
      const ma = matches(a, doc);
      const mb = matches(b, doc);
      return matches(`(${a}) or (${b})`, doc) === (ma || mb) && matches(`(${a}) and (${b})`, doc) === (ma && mb);
    }),
  );
  t.pass();
});

test("de Morgan's laws hold", (t) => {
  fc.assert(
    fc.property(queryArb, queryArb, docArb, (a, b, doc) =>
      matches(`not ((${a}) or (${b}))`, doc) === matches(`not (${a}) and not (${b})`, doc) &&
      matches(`not ((${a}) and (${b}))`, doc) === matches(`not (${a}) or not (${b})`, doc),
    ),
  );
  t.pass();
});

test('precedence: not > and > or, without parentheses', (t) => {
  fc.assert(
    fc.property(atomArb, atomArb, atomArb, docArb, (a, b, c, doc) =>
      matches(`${a} or ${b} and ${c}`, doc) === matches(`${a} or (${b} and ${c})`, doc) &&
      matches(`${a} and ${b} or ${c}`, doc) === matches(`(${a} and ${b}) or ${c}`, doc) &&
      matches(`not ${a} and ${b}`, doc) === matches(`(not ${a}) and ${b}`, doc),
    ),
  );
  t.pass();
});

test('keywords parse the same in any letter case', (t) => {
  const casing = fc.array(fc.boolean(), { minLength: 3, maxLength: 3 });
  const recase = (word: string, upper: boolean[]): string => [...word].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('');
  fc.assert(
    fc.property(queryArb, casing, (q, upper) => {
      const varied = q.replace(/\b(and|or|not)\b(?=[ ])/g, (w) => recase(w, upper));
      // values are quoted or keyword-free, so only the operators change case
      return JSON.stringify(parseKql(varied)) === JSON.stringify(parseKql(q));
    }),
  );
  t.pass();
});

test('a multi-valued field matches a value pattern iff one of its values alone does', (t) => {
  fc.assert(
    fc.property(patternArb, fc.array(valueArb, { maxLength: 4 }), (p, values) => {
      const q = `f:${p}`;
      return matches(q, { f: values }) === values.some((v) => matches(q, { f: v }));
    }),
  );
  t.pass();
});

test('a quoted phrase matches exactly its own text, whatever it holds', (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (s, other) => {
      const q = `f:${quote(s)}`;
      return matches(q, { f: s }) && matches(q, { f: other }) === (other === s);
    }),
  );
  t.pass();
});

test('any text either parses or fails with a KqlSyntaxError naming a column inside it', (t) => {
  const kqlish = fc.string({ unit: fc.constantFrom('a', ':', ' ', '(', ')', '"', '*', '\\', 'or', 'and', 'not', '<', '=', '{', 'x'), maxLength: 16 });
  fc.assert(
    fc.property(fc.oneof(kqlish, fc.string({ maxLength: 16 })), (q) => {
      try {
        parseKql(q);
        return true;
      } catch (e) {
        return e instanceof KqlSyntaxError && e.column >= 1 && e.column <= q.length + 1;
      }
    }),
  );
  t.pass();
});
