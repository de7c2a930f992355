/**
 * `table[key]` for an own key only: a key from outside ("toString", "constructor", "__proto__")
 * must not find Object.prototype's members in a lookup table written as an object literal.
 */
export function own<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined
}
