import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { parseScenario, ScenarioFileError } from '../harness/scenarios/load.js';
import { SCENARIO_SCHEMA_COMMENT, scenarioSchemaText } from '../scripts/gen-scenario-schema.js';

test('scenarios/schema.json is what the generator writes from the zod schema (regenerate: npx tsx scripts/gen-scenario-schema.ts)', async (t) => {
  t.is(await readFile(join(repoRoot, 'scenarios/schema.json'), 'utf8'), scenarioSchemaText());
});

test('scenarios/schema.json says first that it is generated, by which script and how to regenerate it', async (t) => {
  const onDisk = JSON.parse(await readFile(join(repoRoot, 'scenarios/schema.json'), 'utf8')) as Record<string, unknown>;
  t.is(Object.keys(onDisk)[0], '$comment');
  t.is(onDisk.$comment, SCENARIO_SCHEMA_COMMENT);
  t.regex(SCENARIO_SCHEMA_COMMENT, /scripts\/gen-scenario-schema\.ts.*Regenerate: npx tsx scripts\/gen-scenario-schema\.ts/);
});

test('a bad field is reported as file:line:col', (t) => {
  const text = 'id: x\ntitle: t\nsource: s\nrules: {ruleset: cis-64}\nsteps:\n  - id: a\n    path: insmod\n    as: admin\n    do: insmod\n';
  const err = t.throws(() => parseScenario(text, 'bad.yaml'), { instanceOf: ScenarioFileError });
  t.regex(err!.message, /^bad\.yaml:8:9: steps\.0\.as/);
});

test('a YAML syntax error is reported as file:line:col', (t) => {
  const err = t.throws(() => parseScenario('id: x\ntitle: [unclosed\n', 'syn.yaml'), { instanceOf: ScenarioFileError });
  t.regex(err!.message, /^syn\.yaml:\d+:\d+: /);
});

import { findScenarioFiles, loadScenario } from '../harness/scenarios/load.js';


test('every scenario file validates and starts with the yaml-language-server schema line', async (t) => {
  const files = await findScenarioFiles(join(repoRoot, 'scenarios'));
  t.true(files.length > 0);
  for (const f of files) {
    await t.notThrowsAsync(loadScenario(f), f);
    t.regex(await readFile(f, 'utf8'), /^# yaml-language-server: \$schema=/, f);
  }
});

test('scenarios/schema.json shows editors each when: fact\'s own values and the RECORD.field form of fields', async (t) => {
  const onDisk = JSON.parse(await readFile(join(repoRoot, 'scenarios/schema.json'), 'utf8')) as {
    $defs: { conditions: { properties: Record<string, { anyOf: { enum?: string[]; type?: string; pattern?: string }[] }>; additionalProperties: boolean } };
    properties: { expect: { items: { properties: { when: { $ref: string }; fields: { propertyNames: { pattern: string } } } } } };
  };
  const conditions = onDisk.$defs.conditions;
  t.is(onDisk.properties.expect.items.properties.when.$ref, '#/$defs/conditions');
  t.false(conditions.additionalProperties);
  t.deepEqual(conditions.properties.xzSyscall!.anyOf[0]!.enum, ['init_module', 'finit_module']);
  t.is(conditions.properties.kernModule!.anyOf[0]!.type, 'boolean');
  t.regex('>=6.1', new RegExp(conditions.properties.kernel!.anyOf[0]!.pattern!));
  t.notRegex('6.1', new RegExp(conditions.properties.kernel!.anyOf[0]!.pattern!));
  const field = new RegExp(onDisk.properties.expect.items.properties.fields.propertyNames.pattern);
  t.regex('SYSCALL.syscall:i', field);
  t.notRegex('SYSCALL.syscall:q', field);
});
