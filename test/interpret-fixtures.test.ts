// Every field of every record in test/fixtures/interpret/*.log, interpreted by interpretField,
// must read exactly as the real ausearch 3.0.9 -i prints it for the same file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { repoRoot } from '../harness/paths.js';
import { parseLog } from '../harness/audit/records/index.js';
import { interpretRecord } from '../harness/audit/records/interpret/index.js';
import { compareLines, compareParsedLines } from './interpret-reference.js';

const dir = path.join(repoRoot, 'test/fixtures/interpret');
const logs = readdirSync(dir).filter((f) => f.endsWith('.log'));

test('there are interpretation fixtures', (t) => {
  t.true(logs.length >= 2, `fixture logs in ${dir}`);
});

for (const file of logs) {
  test(`interpretField matches ausearch -i field by field: ${file}`, async (t) => {
    const lines = readFileSync(path.join(dir, file), 'latin1').split('\n').filter(Boolean);
    const r = await compareLines(lines);
    t.log(`${r.records} records, ${r.agreed} fields agreed`);
    t.true(r.agreed > r.records, 'fields were compared');
    t.deepEqual(r.mismatches, []);
  });
}

for (const file of logs) {
  test(`log parser records through interpretRecord read as ausearch -i prints them: ${file}`, async (t) => {
    const lines = readFileSync(path.join(dir, file), 'latin1').split('\n').filter(Boolean);
    const r = await compareParsedLines(lines, (text) => parseLog(text, file), interpretRecord);
    t.log(`${r.records} records, ${r.agreed} fields agreed`);
    t.true(r.agreed > r.records, 'fields were compared');
    t.deepEqual(r.mismatches, []);
  });
}
