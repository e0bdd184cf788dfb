// A JSON document seen as Elasticsearch indexes it: every leaf under its dotted path, arrays flattened
// (an array of scalars is one multi-valued field; an array of objects adds each object's leaves to the
// same paths). Keys that already hold dots (`{"user.id": 1}`) name the same field as nested objects.

export type Scalar = string | number | boolean;

/** Field path -> its values, in document order. Null values and empty arrays index nothing. */
export type FieldIndex = Map<string, Scalar[]>;

export function indexDocument(doc: unknown): FieldIndex {
  const out: FieldIndex = new Map();
  const visit = (value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v, path);
      return;
    }
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, path ? `${path}.${k}` : k);
      return;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const list = out.get(path);
      if (list) list.push(value);
      else out.set(path, [value]);
    }
  };
  visit(doc, '');
  return out;
}
