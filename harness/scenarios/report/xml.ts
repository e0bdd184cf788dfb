// XML 1.0 escaping for text that comes from guests: audit records can carry any byte, XML cannot.

/** Characters XML 1.0 forbids outright (C0 controls except tab/LF/CR, U+FFFE/U+FFFF) and lone surrogates. */
// eslint-disable-next-line no-control-regex
const INVALID = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Invalid characters become a visible `\xNN` / `\uNNNN` so the reader still sees what the record held. */
export function stripInvalidXml(text: string): string {
  return text.replace(INVALID, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

export function xmlText(text: string): string {
  return stripInvalidXml(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** For double-quoted attributes; whitespace is escaped so attribute normalisation keeps it. */
export function xmlAttr(text: string): string {
  return stripInvalidXml(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
