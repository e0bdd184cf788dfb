// Memo maps of the search hot path: bounded whatever the log (a full map is cleared, cheaper than
// LRU bookkeeping per lookup), and kept per record type or per syscall in maps of maps.

/** Stores `value` under `key`, first forgetting everything when `map` already holds `limit` entries. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): V {
  if (map.size >= limit) map.clear();
  map.set(key, value);
  return value;
}

/** The value kept under `key` in `maps`, made by `make` on first use. */
export function mapFor<K, V>(maps: Map<K, V>, key: K, make: () => V): V {
  let m = maps.get(key);
  if (m === undefined) maps.set(key, (m = make()));
  return m;
}
