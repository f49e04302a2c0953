/**
 * Typed reads from a parsed JSON document that fail with the field's JSON path: the scanner
 * parsers use these instead of trusting the document's shape.
 */
import { VulnerabilityDocumentError, type JsonLocation } from './documentError';

/** A JSON object, as `JSON.parse` returns it. */
export type JsonObject = { readonly [key: string]: unknown };

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Whether a value is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object. @throws VulnerabilityDocumentError when it is anything else. */
export function asObject(value: unknown, at: JsonLocation): JsonObject {
  if (!isObject(value)) throw new VulnerabilityDocumentError(at, `expected an object, found ${typeName(value)}`);
  return value;
}

/** The value as an array. @throws VulnerabilityDocumentError when it is anything else. */
export function asArray(value: unknown, at: JsonLocation): readonly unknown[] {
  if (!Array.isArray(value)) throw new VulnerabilityDocumentError(at, `expected an array, found ${typeName(value)}`);
  return value;
}

/** The value as a string. @throws VulnerabilityDocumentError when it is anything else. */
export function asString(value: unknown, at: JsonLocation): string {
  if (typeof value !== 'string') throw new VulnerabilityDocumentError(at, `expected a string, found ${typeName(value)}`);
  return value;
}

/** A string field that Go's `omitempty` may leave out: `undefined` when absent or null. */
export function optionalString(object: JsonObject, key: string, at: JsonLocation): string | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : asString(value, [...at, key]);
}

/** An array field that `omitempty` may leave out (Go also prints an empty slice as `null`). */
export function optionalArray(object: JsonObject, key: string, at: JsonLocation): readonly unknown[] {
  const value = object[key];
  return value === undefined || value === null ? [] : asArray(value, [...at, key]);
}

/** An object field that may be absent; `undefined` when absent or null. */
export function optionalObject(object: JsonObject, key: string, at: JsonLocation): JsonObject | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : asObject(value, [...at, key]);
}

/** A string array field that may be absent. */
export function optionalStrings(object: JsonObject, key: string, at: JsonLocation): string[] {
  return optionalArray(object, key, at).map((item, index) => asString(item, [...at, key, index]));
}
