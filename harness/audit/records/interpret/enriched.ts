// The ENRICHED part of a line (after its first 0x1d) as auparse keeps it for interpretation
// (load_interpretation_list in auparse/interpret.c), shared by ausearch -i, --format and -ui NAME.

// The last line asked about and its answer: -i asks up to three times per record (its cache scope, its
// state, its list), and the same text object hashes once in the Maps it is looked up in.
let lastRaw: string | undefined;
let lastText: string | undefined;

/** The text after a line's first 0x1d, up to a NUL (C strings end there); undefined when there is none. */
export function enrichedText(raw: string): string | undefined {
  if (raw === lastRaw) return lastText;
  const sep = raw.indexOf('\x1d');
  const nul = sep < 0 ? -1 : raw.indexOf('\0');
  lastRaw = raw;
  lastText = sep < 0 || (nul >= 0 && nul < sep) ? undefined : nul < 0 ? raw.slice(sep + 1) : raw.slice(sep + 1, nul);
  return lastText;
}

/**
 * Values by lower-cased name, as logged (quotes kept): the text is cut at every space, so a quoted value
 * never holds one (`AUID="a b"` is `"a`), and a lookup finds a name's first entry. A part starting
 * `SADDR=` is one entry, saddr, from its '{' to the end (only when a '}' follows). Undefined when auparse
 * keeps no list (no name=value at all).
 */
export function interpretationList(text: string): Map<string, string> | undefined {
  if (text.startsWith('SADDR=')) {
    const open = text.indexOf('{', 6);
    if (open < 0 || text.indexOf('}', open) < 0) return undefined;
    return new Map([['saddr', text.slice(open)]]);
  }
  let list: Map<string, string> | undefined;
  for (const word of text.split(' ')) {
    const eq = word.indexOf('=');
    if (eq < 0) continue;
    list ??= new Map();
    // C's tolower: ASCII letters only
    const name = word.slice(0, eq).replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (!list.has(name)) list.set(name, word.slice(eq + 1));
  }
  return list;
}
