// stableKey serialises a value with sorted object keys: equal values, equal
// keys, whatever the order their properties were written in.
export function stableKey(value) {
  return JSON.stringify(value ?? null, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );
}
