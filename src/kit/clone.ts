/**
 * @module A deep copy of plain data (objects, arrays, strings, numbers, booleans, null,
 * undefined), such as JSON gives and a session record is. `structuredClone` also handles Dates,
 * Maps, cycles and the rest, and pays for it with a serialisation round trip: on a session record,
 * several times what this walk costs.
 */
export function clonePlain<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // A `__proto__` key of parsed JSON is data: copied as an own property, never as the prototype.
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: clonePlain(inner),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = clonePlain(inner);
  }
  return copy as T;
}
