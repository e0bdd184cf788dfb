// The KQL evaluator against what Kibana's KQL documentation says the language does (README in
// harness/tools/elastic lists each rule and where it comes from).
import test from 'ava';
import { KqlQuery } from '../harness/tools/elastic/kql-evaluate.js';
import { KqlSyntaxError, parseKql } from '../harness/tools/elastic/kql-parse.js';

const matches = (query: string, doc: unknown): boolean => new KqlQuery(query).matches(doc);

const DOC = {
  event: { category: ['process'], type: ['start'], action: 'executed' },
  process: { args: ['sudo', '-n', 'rmmod', 'audit_test_mod'], pid: 243, title: 'sudo -n rmmod audit_test_mod', executable: '/usr/bin/sudo' },
  user: { name: 'tester', effective: { name: 'root' } },
  message: 'Quick brown fox',
};

test('field:value matches a keyword exactly and case-sensitively', (t) => {
  t.true(matches('event.action:executed', DOC));
  t.false(matches('event.action:Executed', DOC));
  t.false(matches('event.action:execute', DOC));
  t.true(matches('user.name:tester', DOC));
  t.false(matches('nosuch.field:tester', DOC));
});

test('numbers match their text, and whitespace around the colon is allowed', (t) => {
  t.true(matches('process.pid:243', DOC));
  t.true(matches('process.pid : 243', DOC));
  t.false(matches('process.pid:24', DOC));
  t.true(matches('process.pid:243.0', DOC), 'a number field matches the number, not the text');
});

test('a multi-valued field matches when any one of its values matches', (t) => {
  t.true(matches('process.args:rmmod', DOC));
  t.true(matches('process.args:sudo', DOC));
  t.false(matches('process.args:modprobe', DOC));
  // `and` inside a group tests each value separately: both are somewhere in the array
  t.true(matches('process.args:(rmmod and sudo)', DOC));
  t.false(matches('process.args:(rmmod and modprobe)', DOC));
});

test('and binds tighter than or; not binds tighter than and', (t) => {
  // a or (b and c): true through a although c is false
  t.true(matches('user.name:tester or process.args:nothere and process.args:rmmod', DOC));
  // (a or b) and c would be false here
  t.false(matches('(user.name:tester or process.args:nothere) and process.args:nope', DOC));
  t.true(matches('not process.args:nope and process.args:rmmod', DOC));
  t.false(matches('not (process.args:nope or process.args:rmmod)', DOC));
  t.deepEqual(parseKql('a:1 or b:2 and c:3').type, 'or');
  t.deepEqual(parseKql('not a:1 and b:2').type, 'and');
});

test('keywords are case-insensitive', (t) => {
  t.true(matches('user.name:tester AND process.args:rmmod', DOC));
  t.true(matches('user.name:nobody Or process.args:rmmod', DOC));
  t.true(matches('NOT user.name:nobody', DOC));
  t.deepEqual(parseKql('a:1 AnD b:2'), parseKql('a:1 and b:2'));
});

test('grouped values: field:(a or b and c) is field:a or (field:b and field:c)', (t) => {
  t.deepEqual(parseKql('f:(a or b and c)'), parseKql('f:a or (f:b and f:c)'));
  t.deepEqual(parseKql('f:(not a)'), parseKql('not f:a'));
  t.true(matches('process.args:(modprobe or rmmod and sudo)', DOC));
  t.false(matches('process.args:(modprobe or rmmod and nope)', DOC));
  t.true(matches('process.args:((rmmod and sudo) or (modprobe and sudo and ("--remove" or "-r")))', DOC));
});

test('quoted phrases: the exact value, with specials, keywords and escapes inside', (t) => {
  t.true(matches('message:"Quick brown fox"', DOC));
  t.false(matches('message:"quick brown fox"', DOC));
  t.true(matches('process.title:"sudo -n rmmod audit_test_mod"', DOC));
  t.true(matches('x:"a or b (c): *"', { x: 'a or b (c): *' }));
  t.false(matches('x:"a*"', { x: 'abc' }), 'a * inside quotes is a literal star');
  t.true(matches('x:"say \\"hi\\" \\\\ bye"', { x: 'say "hi" \\ bye' }));
  t.true(matches('x:"tab\\there"', { x: 'tab\there' }));
});

test('an unquoted value keeps its inner spaces and is trimmed', (t) => {
  t.true(matches('message:Quick brown fox', DOC));
  t.true(matches('message: Quick brown fox ', DOC));
  t.false(matches('message:Quick fox', DOC));
});

test('wildcards: * in an unquoted value matches any run of characters', (t) => {
  t.true(matches('process.executable:/usr/bin/*', DOC));
  t.true(matches('process.args:audit_*_mod', DOC));
  t.true(matches('process.args:*mod', DOC));
  t.false(matches('process.args:*modprobe*', DOC));
  t.false(matches('process.executable:/USR/*', DOC), 'keyword wildcards are case-sensitive');
  t.true(matches('x:a\\*b', { x: 'a*b' }), 'an escaped star is literal');
  t.false(matches('x:a\\*b', { x: 'axxb' }));
});

test('field:* is an existence test, and * in a field name matches field names', (t) => {
  t.true(matches('process.args:*', DOC));
  t.false(matches('process.parent.pid:*', DOC));
  t.true(matches('process:*', DOC), 'an object field exists when any field under it does');
  t.true(matches('x:*', { x: '' }), 'an empty string is a value');
  t.false(matches('x:*', { x: [] }), 'an empty array indexes nothing');
  t.false(matches('x:*', { x: null }));
  t.true(matches('user.*.name:root', DOC));
  t.false(matches('user.*.name:tester', DOC));
  t.true(matches('process.*:sudo', DOC));
});

test('a value without a field is looked for in every field', (t) => {
  t.true(matches('tester', DOC));
  t.true(matches('"Quick brown fox"', DOC));
  t.false(matches('nobody', DOC));
});

test('ranges compare numbers as numbers and keywords as text', (t) => {
  t.true(matches('process.pid > 100', DOC));
  t.true(matches('process.pid<=243', DOC));
  t.false(matches('process.pid < 243', DOC));
  t.true(matches('user.name >= t', DOC));
  t.false(matches('user.name > u', DOC));
});

test('escaped keywords and specials are part of an unquoted value', (t) => {
  t.true(matches('x:\\or', { x: 'or' }));
  t.true(matches('x:a \\and b', { x: 'a and b' }));
  t.true(matches('x:\\(1\\)\\:2', { x: '(1):2' }));
});

test('the empty query matches every document', (t) => {
  t.true(matches('', {}));
  t.true(matches('   ', DOC));
});

test('malformed queries give the column where the parse stopped', (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['a:', 3, /expected .*a value.* but found end of query/],
    ['a:(b or', 8, /expected .*'\)'.* but found end of query/],
    ['a:"unterminated', 16, /expected '"'/],
    ['a:b)', 4, /but found '\)'/],
    [')', 1, /but found '\)'/],
    ['event.category:process and (event.type:start', 45, /'\)'/],
    ['a:{b:c}', 3, /nested field queries/],
  ];
  for (const [q, column, reason] of cases) {
    const err = t.throws(() => parseKql(q), { instanceOf: KqlSyntaxError }, q);
    t.is(err?.column, column, q);
    t.regex(err?.message ?? '', reason, q);
    t.true(err?.message.includes(`\n  ${q}\n  ${' '.repeat(column - 1)}^`), `${q}: the message points at the column`);
  }
});

test('a keyword with nothing after it is part of the value, as in Kibana (or/and need spaces on both sides)', (t) => {
  t.deepEqual(parseKql('a:b and'), { type: 'is', field: { kind: 'literal', text: 'a', quoted: false }, value: { kind: 'literal', text: 'b and', quoted: false } });
  t.true(matches('x:b and', { x: 'b and' }));
});
