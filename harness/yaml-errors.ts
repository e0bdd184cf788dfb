// YAML files read against a zod schema, with errors that name file:line:col: yaml's own message for a syntax
// error, and one line per schema issue at the node the issue's path reaches (the deepest that exists).
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';

export interface YamlPosition {
  line: number;
  col: number;
}

/** One problem of a YAML file, at a 1-based line and column. */
export interface YamlProblem extends YamlPosition {
  message: string;
}

/** A YAML file that does not parse or does not match its schema; the message has one `file:line:col: …` line per problem. */
export class YamlFileError extends Error {
  constructor(readonly file: string, readonly problems: YamlProblem[]) {
    super(problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`).join('\n'));
    this.name = 'YamlFileError';
  }
}

/** A parsed YAML document with what it takes to find a node's line. */
export interface YamlSource {
  doc: Document;
  lines: LineCounter;
}

/** How a file's YAML is read: merge, YAML 1.1's `<<` merge keys (which the file uses). */
export interface YamlReadOptions {
  merge?: boolean;
}

/** Parses YAML text; a syntax error is a YamlFileError at yaml's position, with the first line of its message. */
export function parseYamlSource(text: string, file: string, options: YamlReadOptions = {}): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: options.merge ?? false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new YamlFileError(file, [{ ...lines.linePos(e.pos[0]), message: e.message.split('\n')[0]! }]);
  }
  return { doc, lines };
}

/** The pair of a map with this key. */
function pairOf(node: Node | undefined, key: PropertyKey): { key: unknown; value: unknown } | undefined {
  return isMap(node) ? node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key) : undefined;
}

/** The node a path reaches, or the deepest one on the way that exists (the map that lacks a key). */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let node = root as Node | undefined;
  let found = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair = pairOf(node, key);
      node = (pair?.value ?? pair?.key) as Node | undefined;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | undefined;
    } else break;
    if (!node) break;
    found = node;
  }
  return found;
}

function linePos(source: YamlSource, node: Node | undefined): YamlPosition {
  return node?.range ? source.lines.linePos(node.range[0]) : { line: 1, col: 1 };
}

/** Where a path of the document is (line 1, column 1 when the document is empty). */
export function positionOf(source: YamlSource, path: readonly PropertyKey[]): YamlPosition {
  return linePos(source, nodeAt(source.doc.contents, path));
}

/**
 * A zod issue as one located problem, `path: message`; an unknown key is pointed at itself (zod's message names it),
 * and so is a record's key that its schema refuses (with that schema's message, not zod's "Invalid key in record").
 */
export function issueProblem(source: YamlSource, issue: z.core.$ZodIssue): YamlProblem {
  const where = issue.path.map(String).join('.') || '(top)';
  if (issue.code === 'invalid_key' && issue.path.length > 0) {
    const key = pairOf(nodeAt(source.doc.contents, issue.path.slice(0, -1)), issue.path[issue.path.length - 1]!)?.key as Node | undefined;
    return { ...linePos(source, key ?? nodeAt(source.doc.contents, issue.path)), message: `${where}: ${issue.issues[0]?.message ?? issue.message}` };
  }
  const parent = nodeAt(source.doc.contents, issue.path);
  const unknownKey = issue.code === 'unrecognized_keys' ? (pairOf(parent, issue.keys[0]!)?.key as Node | undefined) : undefined;
  return { ...linePos(source, unknownKey ?? parent), message: `${where}: ${issue.message}` };
}

/** A problem at the node a path reaches (the deepest that exists): for checks beyond the schema. */
export function problemAt(source: YamlSource, path: readonly PropertyKey[], message: string): YamlProblem {
  return { ...positionOf(source, path), message };
}

/**
 * The alias a failed toJS is about, which yaml does not say: an alias to an anchor not set before it, else (too many
 * aliases) the first alias.
 */
function aliasBlamed(doc: Document, message: string): Node | undefined {
  const anchors = new Set<string>();
  let first: Node | undefined;
  let unresolved: Node | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      first ??= node;
      if (!anchors.has(node.source)) {
        unresolved = node;
        return visit.BREAK;
      }
    } else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) anchors.add(node.anchor);
    return undefined;
  });
  return /Unresolved alias/.test(message) ? unresolved ?? first : first;
}

/**
 * The document as plain data. What parsing lets through and toJS refuses, an alias bomb (past yaml's maxAliasCount)
 * or an alias to an anchor set only after it, is a YamlFileError at that alias.
 */
export function yamlValue(source: YamlSource, file: string): unknown {
  try {
    return source.doc.toJS();
  } catch (e) {
    const message = (e as Error).message;
    throw new YamlFileError(file, [{ ...linePos(source, aliasBlamed(source.doc, message)), message }]);
  }
}

/**
 * A YAML file's data, read with yaml alone (no schema), for what needs a value or two of a file its own loader
 * checks; a syntax or alias error is a YamlFileError naming `file` (by default the path), a read error is fs's.
 */
export function readYamlValue(filePath: string, file = filePath, options: YamlReadOptions = {}): unknown {
  return yamlValue(parseYamlSource(readFileSync(filePath, 'utf8'), file, options), file);
}

/** Checks a parsed document (or its data, already read) against a schema; every issue is a line of one YamlFileError, in file order. */
export function checkYaml<S extends z.ZodType>(source: YamlSource, file: string, schema: S, data: unknown = yamlValue(source, file)): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => issueProblem(source, i));
    throw new YamlFileError(file, problems.sort((a, b) => a.line - b.line || a.col - b.col));
  }
  return parsed.data;
}

/** Parses YAML text and checks it against a schema; any problem is a YamlFileError naming each one's line, in file order. */
export function parseYamlWith<S extends z.ZodType>(text: string, file: string, schema: S, options: YamlReadOptions = {}): z.output<S> {
  return checkYaml(parseYamlSource(text, file, options), file, schema);
}
