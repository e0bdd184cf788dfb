// auditctl -R's duplicate check at scale, and its semantics against the plain model of the kernel's lists
// (a walk of the list per rule, as audit_find_rule does): EEXIST, -A, -d/-W, -D, -D -k and order.
import test from 'ava';
import fc from 'fast-check';
import { auditctlLoad, parseRuleLine, renderListing, renderRule } from '../harness/audit/rules/index.js';
import type { AuditRule, FilterList } from '../harness/audit/rules/index.js';

const rule = (i: number) => (i % 3 === 0 ? `-w /etc/f${i} -p wa -k k${i}` : i % 3 === 1 ? `-a always,exit -F arch=b64 -S init_module -F auid=${i} -k k${i}` : `-a never,exclude -F msgtype=${1100 + (i % 900)} -F uid=${i}`);

test('20,000 rules load; at the end a duplicate is still found, -d finds its rule and -A copies are removed head first', (t) => {
  const n = 20_000;
  const lines = Array.from({ length: n }, (_, i) => rule(i));
  const head = lines.slice();
  // Delete #4 (a syscall rule) and add it again: it goes to the end of its list.
  lines.push('-d always,exit -F arch=b64 -S init_module -F auid=4 -k k4', rule(4));
  // An -A copy of #7 at the head, then -d removes that copy (the first in the list), the -a original stays.
  lines.push('-A always,exit -F arch=b64 -S init_module -F auid=7 -k k7', '-d always,exit -F arch=b64 -S init_module -F auid=7 -k k7');
  // -W of watch #0 removes it (a -W of one never added stops the load: the last case below).
  lines.push('-W /etc/f0 -p wa -k k0');
  const ok = auditctlLoad(`${lines.join('\n')}\n`, 'big.rules');
  t.deepEqual(ok.errors, []);
  t.is(ok.stoppedAt, undefined);
  t.is(ok.rules.length, n - 1);
  const exits = ok.rules.filter((r) => r.list === 'exit').map((r) => renderRule(r));
  t.is(exits.at(-1), '-a always,exit -F arch=b64 -S init_module -F auid=4 -F key=k4');
  t.is(exits.filter((r) => r.includes('auid=7 ')).length, 1);
  t.is(exits[0], '-a always,exit -F arch=b64 -S init_module -F auid=1 -F key=k1', 'the -A copy of #7 was the one removed');
  t.false(exits.includes('-w /etc/f0 -p wa -k k0'));
  // A duplicate of the last rule, of the first, and a delete of what is gone: each is where auditctl -R stops.
  for (const [extra, message] of [[rule(n - 1), /Rule exists/], [rule(1), /Rule exists/], ['-W /etc/f1 -p wa -k k1', /No such file or directory/]] as const) {
    const r = auditctlLoad(`${[...head, extra].join('\n')}\n`, 'big.rules');
    t.deepEqual(r.stoppedAt, { file: 'big.rules', line: n + 1 }, extra);
    t.regex(r.errors[0]!.message, message);
    t.is(r.rules.length, n);
  }
});

// The plain model: per list an array, a new rule compared with every stored one.
function listModel(text: string): { listing: string; failed: number[] } {
  const order: FilterList[] = ['user', 'task', 'exit', 'exclude', 'filesystem'];
  const lists = new Map<FilterList, AuditRule[]>(order.map((l) => [l, []]));
  const same = (a: AuditRule, b: AuditRule) => renderRule({ ...a, op: 'add', prepend: false }) === renderRule({ ...b, op: 'add', prepend: false });
  const failed: number[] = [];
  let ignore = false;
  text.split('\n').forEach((line, i) => {
    if (failed.length > 0 && !ignore) return;
    let bad = false;
    for (const item of parseRuleLine(line, 'p', i + 1).items) {
      if (item.kind === 'ignore-errors') ignore = true;
      if (item.kind === 'delete-all') for (const [l, rs] of lists) lists.set(l, item.key === undefined ? [] : rs.filter((r) => !r.keys.some((k) => k.includes(item.key!))));
      if (item.kind !== 'rule') continue;
      const list = lists.get(item.list)!;
      const at = item.op === 'add' && item.prepend ? -1 : list.findIndex((r) => same(r, item));
      if (item.op === 'delete') {
        if (at < 0) bad = true;
        else list.splice(at, 1);
      } else if (at >= 0) bad = true;
      else if (item.prepend) list.unshift(item);
      else list.push(item);
    }
    if (bad) failed.push(i + 1);
  });
  return { listing: renderListing(order.flatMap((l) => lists.get(l)!)), failed };
}

test('the load keeps the semantics of a walk of the list per rule: EEXIST, -A, -d, -W, -D, -D -k, order', (t) => {
  const bodies = ['exit,always -F arch=b64 -S init_module -k mod', 'exit,always -F arch=b64 -S init_module -k other', 'always,exit -F arch=b32 -S delete_module -k mod', 'never,exclude -F msgtype=1100', 'always,user -F uid=0'];
  const watches = ['/etc/a -p wa -k mod', '/etc/b -p x -k modx'];
  const line = fc.oneof(
    fc.tuple(fc.constantFrom('-a', '-A', '-d'), fc.constantFrom(...bodies)).map(([op, b]) => `${op} ${b}`),
    fc.tuple(fc.constantFrom('-w', '-W'), fc.constantFrom(...watches)).map(([op, w]) => `${op} ${w}`),
    fc.constantFrom('-D', '-D -k mod', '-D -k other'),
  );
  let rejected = 0;
  fc.assert(fc.property(fc.boolean(), fc.array(line, { maxLength: 30 }), (ignoring, lines) => {
    const text = `${ignoring ? '-i\n' : ''}${lines.join('\n')}\n`;
    const want = listModel(text);
    const got = auditctlLoad(text, 'p');
    rejected += want.failed.length;
    t.is(renderListing(got.rules), want.listing, text);
    t.deepEqual(got.errors.filter((e) => /\((Rule exists|No such file or directory)\)$/.test(e.message)).map((e) => e.line), want.failed, text);
  }), {
    numRuns: 300,
    // Copies of one rule with another between them: -d must take the first in the list, also after -D -k kept them.
    examples: [
      [false, [`-a ${bodies[0]}`, `-A ${bodies[2]}`, `-A ${bodies[0]}`, `-d ${bodies[0]}`]],
      [false, [`-a ${bodies[0]}`, `-A ${bodies[2]}`, `-A ${bodies[0]}`, '-D -k other', `-d ${bodies[0]}`]],
    ],
  });
  t.true(rejected > 0, 'the generator makes duplicates and deletes of what is not there');
});
