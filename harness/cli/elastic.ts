// `audit-harness elastic docs|query`: an audit log as the ECS documents auditbeat would index, and KQL run on them.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseLog } from '../audit/records/index.js';
import { auditbeatDocumentsOfLog, skippedLines, type AuditbeatDocument } from '../tools/elastic/auditbeat-documents.js';
import { KERNEL_MODULE_REMOVAL_FILE, loadDetectionRule } from '../tools/elastic/detection-rule.js';
import { KqlQuery } from '../tools/elastic/kql-evaluate.js';
import { KqlSyntaxError } from '../tools/elastic/kql-parse.js';
import { ruleVerdicts } from '../tools/elastic/rule-verdicts.js';
import { NO_STEP } from '../tools/elastic/scenario-steps.js';

/** What the events outside every scenario step are (boot, the harness loading rules and modules): named, not `-`. */
export const OUTSIDE_STEPS = '(outside any step: boot, setup)';

async function readLog(file: string): Promise<string> {
  try {
    return await readFile(file, 'latin1');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function documentsOf(files: string[]): Promise<AuditbeatDocument[]> {
  const out: AuditbeatDocument[] = [];
  for (const file of files) {
    const { docs, problems } = auditbeatDocumentsOfLog(await readLog(file), file);
    for (const p of problems) process.stderr.write(`audit-harness elastic: skipped ${p}\n`);
    out.push(...docs);
  }
  return out;
}

type Write = (text: string) => void;
const stdout: Write = (text) => process.stdout.write(text);

function printNdjson(docs: AuditbeatDocument[], write: Write): void {
  for (const { doc } of docs) write(`${JSON.stringify(doc)}\n`);
}

/** `elastic docs LOG...`: every document, as NDJSON. */
export async function elasticDocs(logs: string[], write: Write = stdout): Promise<number> {
  printNdjson(await documentsOf(logs), write);
  return 0;
}

/** `elastic query KQL LOG...`: the matching documents (or their count); 0 when some match, 1 when none. */
export async function elasticQuery(kql: string, logs: string[], opts: { count?: boolean }, write: Write = stdout): Promise<number> {
  let query: KqlQuery;
  try {
    query = new KqlQuery(kql);
  } catch (e) {
    // the message names the column and points at it; the CLI prints it without a stack
    if (e instanceof KqlSyntaxError) throw new Error(e.message);
    throw e;
  }
  const hits = (await documentsOf(logs)).filter((d) => query.matches(d.doc));
  if (opts.count) write(`${hits.length}\n`);
  else printNdjson(hits, write);
  return hits.length > 0 ? 0 : 1;
}

/**
 * `elastic rule LOG`: per scenario step of a harness-run log, the rule keys the kernel logged and, per version
 * of the detection rule, the argv of each document that fires. 0 when the rule fired somewhere, 1 when not.
 */
export async function elasticRule(log: string, opts: { rule?: string }, write: Write = stdout): Promise<number> {
  const rule = loadDetectionRule(opts.rule ?? KERNEL_MODULE_REMOVAL_FILE);
  const { events, problems } = parseLog(await readLog(log), log);
  const { steps, unindexed } = ruleVerdicts(events, rule);
  for (const p of skippedLines(problems, unindexed)) process.stderr.write(`audit-harness elastic: skipped ${p}\n`);
  let fired = false;
  write(`${rule.name} (${rule.source})\n`);
  for (const v of steps) {
    const logged = v.keys.length > 0 ? `logged (${v.keys.join(', ')})` : 'nothing logged by a rule';
    const verdicts = rule.versions.map((r) => `${r.id}: ${v.fired[r.id]!.length > 0 ? 'fired' : 'silent'}`).join(', ');
    write(`${v.step === NO_STEP ? OUTSIDE_STEPS : v.step}\t${logged}\t${verdicts}\n`);
    for (const r of rule.versions) {
      for (const doc of v.fired[r.id]!) {
        fired = true;
        const args = ((doc.process as { args?: string[] } | undefined)?.args ?? []).join(' ');
        write(`  ${r.id} fired on: ${args}\n`);
      }
    }
  }
  return fired ? 0 : 1;
}

export function register(program: Command): void {
  const elastic = program.command('elastic').description("Elastic: audit logs as auditbeat's ECS documents, and KQL queries on them");

  elastic
    .command('docs')
    .description('print the ECS documents auditbeat would index for these audit logs (NDJSON, one per event)')
    .argument('<logs...>', 'audit.log files (RAW or ENRICHED)')
    .action(async (logs: string[]) => {
      process.exitCode = await elasticDocs(logs);
    });

  elastic
    .command('query')
    .description('print the documents a KQL query matches (exit 1 when none)')
    .argument('<kql>', "Kibana Query Language, e.g. 'event.action:executed and process.args:sudo'")
    .argument('<logs...>', 'audit.log files (RAW or ENRICHED)')
    .option('-c, --count', 'print only the number of matching documents')
    .action(async (kql: string, logs: string[], opts: { count?: boolean }) => {
      process.exitCode = await elasticQuery(kql, logs, opts);
    });

  elastic
    .command('rule')
    .description("per scenario step of a harness-run log: what the kernel logged, and whether each version of a detection rule fired (default: the seed's Kernel Module Removal); exit 1 when it never fired")
    .argument('<log>', 'audit.log of a harness run (with its step markers)')
    .option('--rule <file>', 'detection rule file (YAML: name, source, versions[].query)')
    .action(async (log: string, opts: { rule?: string }) => {
      process.exitCode = await elasticRule(log, opts);
    });
}
