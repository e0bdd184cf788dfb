// Reporters of scenario runs: live console output, JUnit XML, results.json and the coverage matrix.
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { RunResult } from '../result.js';
import { writeFilesAtomic, type FileText } from './atomic-write.js';
import { createConsoleReporter } from './console.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { buildMatrix } from './matrix.js';
import { renderMatrixHtml } from './matrix-html.js';
import { renderMatrixMarkdown } from './matrix-markdown.js';

/**
 * A written file as the "wrote …" lines name it: under --out as the user spelled it (`out/results.json`,
 * `/tmp/r/results.json`), or absolute when that is neither absolute nor inside the cwd (no `../../tmp/…`).
 */
export function shownPath(outArg: string, file: string): string {
  const within = relative(resolve(outArg), file);
  const given = within === '' ? outArg : join(outArg, within);
  return isAbsolute(given) || !relative(process.cwd(), resolve(given)).startsWith('..') ? given : resolve(given);
}

export { createConsoleReporter, sideBySide, type ConsoleReporter, type ConsoleReporterOptions } from './console.js';
export { renderJunit, writeJunit } from './junit.js';
export { readJson, renderJson, writeJson, RESULTS_FORMAT, RESULTS_VERSION } from './json.js';
export {
  buildMatrix,
  cellText,
  isUnload,
  matrixTotals,
  rulesetSections,
  type CellStatus,
  type Matrix,
  type MatrixCell,
  type MatrixColumn,
  type MatrixGap,
  type MatrixRow,
} from './matrix.js';
export {
  buildVerdict,
  factsLine,
  verdictLevel,
  verdictLines,
  verdictText,
  type PathVerdict,
  type Verdict,
  type VerdictCell,
  type VerdictLevel,
  type VerdictPath,
  type VerdictTally,
  type VerdictTarget,
} from './verdict.js';
export { renderMatrixMarkdown } from './matrix-markdown.js';
export { renderMatrixHtml } from './matrix-html.js';

export type ReporterName = 'console' | 'junit' | 'json' | 'matrix';
export const REPORTER_NAMES: readonly ReporterName[] = ['console', 'junit', 'json', 'matrix'];

/** Parses a --reporter value such as "console,junit"; unknown names are an error naming the known ones. */
export function parseReporters(text: string): ReporterName[] {
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !(REPORTER_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown reporter ${unknown.join(', ')} (known: ${REPORTER_NAMES.join(', ')})`);
  if (names.length === 0) throw new Error(`no reporter named (known: ${REPORTER_NAMES.join(', ')})`);
  return [...new Set(names)] as ReporterName[];
}

export const REPORT_FILES = {
  junit: 'junit.xml',
  json: 'results.json',
  matrixMarkdown: 'coverage-matrix.md',
  matrixHtml: 'coverage-matrix.html',
} as const;

/** coverage-matrix.md and coverage-matrix.html in outDir, rendered. */
function renderMatrixFiles(run: RunResult, outDir: string): FileText[] {
  const matrix = buildMatrix(run);
  return [
    { file: join(outDir, REPORT_FILES.matrixMarkdown), data: renderMatrixMarkdown(matrix) },
    { file: join(outDir, REPORT_FILES.matrixHtml), data: renderMatrixHtml(matrix) },
  ];
}

/** Writes coverage-matrix.md and coverage-matrix.html into outDir (both or neither); returns their paths. */
export async function writeMatrix(run: RunResult, outDir: string): Promise<string[]> {
  const files = renderMatrixFiles(run, outDir);
  await writeFilesAtomic(files);
  return files.map((f) => f.file);
}

export interface WriteReportsOptions {
  reporters: readonly ReporterName[];
  outDir: string;
  /** Where the console reporter's summary goes when 'console' is listed (the live hooks are the runner's job). */
  stream?: NodeJS.WritableStream;
}

/** The file reporters' files, rendered, in the order writeReports names them; nothing is written. */
export function renderReports(run: RunResult, reporters: readonly ReporterName[], outDir: string): FileText[] {
  const unknown = reporters.filter((r) => !REPORTER_NAMES.includes(r));
  if (unknown.length) throw new Error(`unknown reporter ${unknown.join(', ')} (known: ${REPORTER_NAMES.join(', ')})`);
  return [
    ...(reporters.includes('json') ? [{ file: join(outDir, REPORT_FILES.json), data: renderJson(run) }] : []),
    ...(reporters.includes('junit') ? [{ file: join(outDir, REPORT_FILES.junit), data: renderJunit(run) }] : []),
    ...(reporters.includes('matrix') ? renderMatrixFiles(run, outDir) : []),
  ];
}

/**
 * Writes the file reporters: junit -> outDir/junit.xml, json -> outDir/results.json,
 * matrix -> outDir/coverage-matrix.{md,html}, all rendered before any is written and then written together
 * (writeFilesAtomic): a failure leaves no part of a report. 'console' prints the end-of-run summary only when a
 * stream is given (a runner that used createConsoleReporter live has printed it already). Returns the files written.
 */
export async function writeReports(run: RunResult, opts: WriteReportsOptions): Promise<string[]> {
  const files = renderReports(run, opts.reporters, opts.outDir);
  await writeFilesAtomic(files);
  if (opts.reporters.includes('console') && opts.stream) createConsoleReporter({ stream: opts.stream }).runFinished(run);
  return files.map((f) => f.file);
}
