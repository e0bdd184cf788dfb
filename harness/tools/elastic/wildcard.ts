// `*` patterns (KQL wildcard values and field names) as anchored regular expressions.

const cache = new Map<string, RegExp>();

/** parts: the text between the `*`s (['a', ''] is `a*`). `*` matches any run of characters, dots included. */
export function wildcardRegExp(parts: string[]): RegExp {
  const key = JSON.stringify(parts);
  let re = cache.get(key);
  if (!re) {
    re = new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(key, re);
  }
  return re;
}
