/**
 * The one error a scanner document can raise: what is wrong, and where (a JSON path such as
 * `$.Results[0].Vulnerabilities[2].Severity`, and the same place as an RFC 6901 JSON pointer, the form
 * the service's problem documents use).
 */

/** A place in a JSON document: property names and array indexes from the root. */
export type JsonLocation = readonly (string | number)[];

/** Renders a location as a JSON path: `$`, `$.Metadata.RepoDigests[0]`, `$["odd key"]`. */
export function toJsonPath(location: JsonLocation): string {
  let path = '$';
  for (const segment of location) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** Renders a location as an RFC 6901 JSON pointer: ``, `/Metadata/RepoDigests/0`. */
export function toJsonPointer(location: JsonLocation): string {
  return location.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Thrown when a scanner document is not one we read, or is one with a missing or wrongly typed field. */
export class VulnerabilityDocumentError extends Error {
  /** Where the problem is, as a JSON path. */
  readonly path: string;
  /** Where the problem is, as a JSON pointer. */
  readonly pointer: string;

  constructor(
    readonly location: JsonLocation,
    readonly detail: string,
  ) {
    super(`${toJsonPath(location)}: ${detail}`);
    this.name = 'VulnerabilityDocumentError';
    this.path = toJsonPath(location);
    this.pointer = toJsonPointer(location);
  }
}
