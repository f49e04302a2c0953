/** The error a streamed JSON read stops with: what was expected, where (byte, line, column), and in which value. */

/** A place in a JSON document: member names and array indexes from the root. */
export type JsonLocation = readonly (string | number)[];

/** Renders a location as a JSON path: `$`, `$.items[3].metadata`, `$["odd key"]`. */
export function jsonPath(location: JsonLocation): string {
  let path = '$';
  for (const segment of location) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** Renders a location as an RFC 6901 JSON pointer: ``, `/items/3/metadata`. */
export function jsonPointer(location: JsonLocation): string {
  return location.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** The body is not JSON: the first place it goes wrong. */
export class JsonSyntaxError extends Error {
  constructor(
    /** Offset of the offending byte from the start of the body (0-based); the body's length when it ends too early. */
    readonly position: number,
    /** 1-based line of that byte. */
    readonly line: number,
    /** 1-based column of that byte on its line, in characters. */
    readonly column: number,
    /** What would have been valid there, e.g. `a value`, `',' or '}'`. */
    readonly expected: string,
    /** The value being read when it went wrong (the innermost open member). */
    readonly location: JsonLocation,
    /** The body ended before the JSON did. */
    readonly truncated: boolean,
  ) {
    super(
      `expected ${expected} at position ${position} (line ${line}, column ${column})` +
        (location.length > 0 ? ` in ${jsonPath(location)}` : '') +
        (truncated ? '; the body ends too early (truncated?)' : ''),
    );
    this.name = 'JsonSyntaxError';
  }
}
