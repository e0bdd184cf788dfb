// `audit-harness elastic docs|query`: an audit log as the ECS documents auditbeat would index, and KQL run on them.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { auditbeatDocumentsOfLog, type AuditbeatDocument } from '../tools/elastic/auditbeat-documents.js';
import { KqlQuery } from '../tools/elastic/kql-evaluate.js';
import { KqlSyntaxError } from '../tools/elastic/kql-parse.js';

async function documentsOf(files: string[]): Promise<AuditbeatDocument[]> {
  const out: AuditbeatDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'latin1');
    } catch (e) {
      throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const { docs, problems } = auditbeatDocumentsOfLog(text, file);
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
}
