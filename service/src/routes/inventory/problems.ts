/**
 * The cores' parse errors, and bodies that do not parse, as 400 problems naming where the body is wrong; bodies
 * past the import limit as 413.
 */
import { InventoryError } from '../../explorer/kubernetes/errors';
import { VulnerabilityDocumentError } from '../../explorer/vulnerabilities/documentError';
import { invalidInput, ProblemError } from '../../errors';
import { BodyIncompleteError, BodyTooLargeError } from '../../jsonStream/readStream';
import { JsonSyntaxError, jsonPointer } from '../../jsonStream/syntaxError';

/**
 * A kubectl-style path (`$`, `items[3].status.containerStatuses[0].imageID`, `metadata.labels["app"]`)
 * as an RFC 6901 JSON pointer (``, `/items/3/status/containerStatuses/0/imageID`).
 */
export function pathToPointer(path: string): string {
  const segments: string[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|^([^.[\]$]+)/g;
  for (const m of path.replace(/^\$/, '').matchAll(re)) {
    const segment = m[1] ?? m[2] ?? (m[3] !== undefined ? (JSON.parse(m[3]) as string) : m[4]) ?? '';
    segments.push(segment);
  }
  return jsonPointer(segments);
}

/** The 400 for a parse error of one of the cores, or null for any other error. */
export function importProblem(err: unknown): ProblemError | null {
  if (err instanceof InventoryError) {
    const pointer = pathToPointer(err.path);
    return invalidInput(err.message, [{ pointer, detail: err.message }], `invalid-snapshot`);
  }
  if (err instanceof VulnerabilityDocumentError) {
    return invalidInput(err.message, [{ pointer: err.pointer, detail: err.detail }], 'invalid-scan');
  }
  return null;
}

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

/**
 * The problem for a body the streamed read refused, or null for any other error:
 * 413 past the limit (from its Content-Length, or as soon as the bytes received pass it);
 * 400 naming the position (byte offset, line, column) and the member being read for JSON that does not parse
 * or ends too early; 400 for a body that stopped arriving.
 */
export function bodyProblem(err: unknown): ProblemError | null {
  if (err instanceof BodyTooLargeError) {
    const limit = `the import limit of ${err.limit} bytes (${mebibytes(err.limit)}, set by importBodyLimit or CM_IMPORT_BODY_LIMIT)`;
    const detail = err.declared
      ? `the body (Content-Length: ${err.length} bytes) is larger than ${limit}; nothing was read or stored`
      : `the body is larger than ${limit}; reading stopped there and nothing was stored`;
    return new ProblemError(413, 'Payload too large', detail, 'body-too-large');
  }
  if (err instanceof JsonSyntaxError) {
    const detail = `the body is not valid JSON: ${err.message}`;
    return invalidInput(detail, [{ pointer: jsonPointer(err.location), detail }], 'malformed-json');
  }
  if (err instanceof BodyIncompleteError) return invalidInput(err.message, [], 'incomplete-body');
  return null;
}
