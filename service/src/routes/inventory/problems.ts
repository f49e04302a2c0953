/** The cores' parse errors, and JSON that does not parse, as 400 problems naming where the body is wrong. */
import { InventoryError } from '../../explorer/kubernetes/errors';
import { VulnerabilityDocumentError } from '../../explorer/vulnerabilities/documentError';
import { invalidInput, type ProblemError } from '../../errors';
import { findJsonSyntaxError } from './jsonSyntax';

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
  return segments.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
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

/** Parses a body as JSON. @throws ProblemError 400 naming the position (offset, line, column) of the first error. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const where = findJsonSyntaxError(text);
    const detail =
      where === null
        ? 'the body is not valid JSON'
        : `the body is not valid JSON: expected ${where.expected} at position ${where.position} (line ${where.line}, column ${where.column})` +
          (where.position >= text.length ? '; the body ends too early (truncated?)' : '');
    throw invalidInput(detail, [{ pointer: '', detail }], 'malformed-json');
  }
}
