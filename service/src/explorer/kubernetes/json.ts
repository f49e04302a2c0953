import { InventoryError } from './errors';

/** A parsed JSON object: the only shape the readers below accept as a container. */
export type JsonObject = Record<string, unknown>;

/** Names a value for error messages: `null`, `array`, or its `typeof`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function wrongType(path: string, expected: string, value: unknown): InventoryError {
  return new InventoryError('wrong-type', path, `expected ${expected}, got ${typeName(value)}`);
}

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `path`; absent (`undefined` or `null`) gives an empty object, as Kubernetes omits empty fields. */
export function objectAt(value: unknown, path: string): JsonObject {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw wrongType(path, 'an object', value);
  return value;
}

/** The array at `path`; absent gives an empty array. */
export function arrayAt(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType(path, 'an array', value);
  return value;
}

/** The string at `path`, or `undefined` when absent. */
export function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(path, 'a string', value);
  return value;
}

/** The string at `path`; absent or empty is an error, as for names. */
export function requiredString(value: unknown, path: string): string {
  const text = optionalString(value, path);
  if (text === undefined || text === '') throw wrongType(path, 'a non-empty string', value);
  return text;
}

/** The integer at `path`, or `undefined` when absent. */
export function optionalInteger(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(path, 'an integer', value);
  return value;
}

/** The boolean at `path`; absent is `false`, the Kubernetes default for every flag read here. */
export function flagAt(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw wrongType(path, 'a boolean', value);
  return value;
}

/** A `map[string]string` (labels, selectors, annotations); absent gives an empty map. */
export function stringMapAt(value: unknown, path: string): Readonly<Record<string, string>> {
  const map = objectAt(value, path);
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(map)) {
    if (typeof entry !== 'string') throw wrongType(`${path}${keySuffix(key)}`, 'a string', entry);
    result[key] = entry;
  }
  return result;
}

/** The JSON path suffix for an object key: `.name`, or `["app.kubernetes.io/name"]` when it is not an identifier. */
export function keySuffix(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
