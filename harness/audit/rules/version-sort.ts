// `ls -v` order (gnulib filevercmp), which augenrules uses to order /etc/audit/rules.d:
// "9-a.rules" sorts before "10-a.rules", unlike a plain lexical sort.

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(i < a.length ? a[i] : undefined);
      const bc = order(j < b.length ? b[j] : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

const SUFFIX = /(\.[A-Za-z~][A-Za-z0-9~]*)*$/;

export function filevercmp(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  if (a === '.') return -1;
  if (b === '.') return 1;
  if (a === '..') return -1;
  if (b === '..') return 1;
  const ah = a.startsWith('.');
  const bh = b.startsWith('.');
  if (ah !== bh) return ah ? -1 : 1;
  const ap = a.replace(SUFFIX, '');
  const bp = b.replace(SUFFIX, '');
  const r = ap === bp ? verrevcmp(a, b) : verrevcmp(ap, bp);
  return r !== 0 ? r : a < b ? -1 : a > b ? 1 : 0;
}

export function versionSort(names: readonly string[]): string[] {
  return [...names].sort(filevercmp);
}
