/**
 * Validates a report against the shared TypeBox schema with ajv, and turns ajv's errors
 * into field errors whose pointers name the failing field.
 */
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { ReportSchema, type Report } from '../../common/report';
import { GitHubReportSchema, type GitHubReport } from '../../common/githubReport';
import { computeGitHubIdempotencyKey, computeIdempotencyKey } from '../../common/idempotency';
import { InvalidImageReferenceError, parseImageReference } from '../../common/imageReference';
import { parseTimestamp } from '../../common/timestamp';
import { invalidInput, type FieldError } from './errors';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile<Report>(ReportSchema);
const validateGitHub = ajv.compile<GitHubReport>(GitHubReportSchema);

/** Turns one ajv error into a field error whose pointer names the field itself. */
function toFieldError(error: ErrorObject): FieldError {
  let pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    pointer += `/${escapePointer(params.missingProperty)}`;
    return { pointer, detail: `is required` };
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    pointer += `/${escapePointer(params.additionalProperty)}`;
    return { pointer, detail: 'is not a known field' };
  }
  return { pointer, detail: error.message ?? 'is invalid' };
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Checks that `body` is a valid report whose idempotency key is the one the service computes.
 * @throws ProblemError (400) naming every failing field.
 */
export function validateReport(body: unknown): Report {
  if (!validate(body)) {
    const fields = dedupe((validate.errors ?? []).map(toFieldError));
    const first = fields[0];
    const where = first?.pointer === '' ? 'the body' : `${first?.pointer ?? 'the body'}`;
    throw invalidInput(`the report does not match schema version 1: ${where} ${first?.detail ?? 'is invalid'}`, fields);
  }
  checkContent(body);
  const expected = computeIdempotencyKey(body.pipeline);
  if (body.idempotencyKey !== expected) {
    throw invalidInput('idempotencyKey is not the key of this job attempt (organisation, project, hub, run, job, attempt)', [
      { pointer: '/idempotencyKey', detail: `expected ${expected}` },
    ]);
  }
  return body;
}

/**
 * Checks that `body` is a valid GitHub Actions report (schema version 2, `common/githubReport.ts`)
 * whose idempotency key is the one the service computes.
 * @throws ProblemError (400) naming every failing field.
 */
export function validateGitHubReport(body: unknown): GitHubReport {
  if (!validateGitHub(body)) {
    const fields = dedupe((validateGitHub.errors ?? []).map(toFieldError));
    const first = fields[0];
    const where = first?.pointer === '' ? 'the body' : `${first?.pointer ?? 'the body'}`;
    throw invalidInput(`the report does not match schema version 2 (GitHub): ${where} ${first?.detail ?? 'is invalid'}`, fields);
  }
  checkContent(body);
  const expected = computeGitHubIdempotencyKey(body.github);
  if (body.idempotencyKey !== expected) {
    throw invalidInput('idempotencyKey is not the key of this job attempt (server, repository id, run, job, attempt)', [
      { pointer: '/idempotencyKey', detail: `expected ${expected}` },
    ]);
  }
  return body;
}

/**
 * True when the body says it is a GitHub report (`provider: "github"`), whatever its `schemaVersion`
 * (version 2's check names a wrong one); everything else is read, and refused, as version 1.
 */
export function isGitHubReportBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { provider?: unknown }).provider === 'github';
}

/** What both versions share: the window's bounds and the images. */
type ReportContent = { window: { since: string; until: string }; images: Report['images'] };

/** What the schema cannot say about either version's content: storable text, instants, references, platforms. */
function checkContent(body: ReportContent): void {
  const unstorable = textErrors(body);
  if (unstorable.length > 0) {
    throw invalidInput(`${unstorable[0]?.pointer ?? ''} ${unstorable[0]?.detail ?? ''}`, unstorable);
  }
  const instants = timestampErrors(body);
  if (instants.length > 0) {
    throw invalidInput(`${instants[0]?.pointer ?? ''} ${instants[0]?.detail ?? ''}`, instants);
  }
  const references = referenceErrors(body);
  if (references.length > 0) {
    throw invalidInput(`${references[0]?.pointer ?? ''} ${references[0]?.detail ?? ''}`, references);
  }
  const platforms = platformErrors(body);
  if (platforms.length > 0) {
    throw invalidInput(`${platforms[0]?.pointer ?? ''} ${platforms[0]?.detail ?? ''}`, platforms);
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a string cannot be stored exactly as sent, or undefined when it can: PostgreSQL's
 * `text` cannot hold NUL, and a lone UTF-16 surrogate has no UTF-8 form (both databases
 * would store U+FFFD instead). Refusing them on both keeps the two stores alike.
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate, which is not Unicode text and cannot be stored as sent';
  return undefined;
}

/** Every string of the report, and every object key (label names), that cannot be stored. */
function textErrors(value: unknown, pointer = ''): FieldError[] {
  const out: FieldError[] = [];
  const visit = (node: unknown, at: string): void => {
    if (out.length >= 20) return;
    if (typeof node === 'string') {
      const problem = unstorableText(node);
      if (problem) out.push({ pointer: at, detail: problem });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${at}/${i}`));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node)) {
        const where = `${at}/${escapePointer(key)}`;
        const problem = unstorableText(key);
        if (problem) out.push({ pointer: where, detail: `is a field name that ${problem}` });
        else visit(item, where);
      }
    }
  };
  visit(value, pointer);
  return out;
}

/** Date-times the schema accepts but that name no instant the stores can order (see `common/timestamp.ts`). */
function timestampErrors(report: ReportContent): FieldError[] {
  const fields: Array<[string, string | undefined]> = [
    ['/window/since', report.window.since],
    ['/window/until', report.window.until],
  ];
  report.images.forEach((image, i) => {
    fields.push([`/images/${i}/pushedAt`, image.pushedAt], [`/images/${i}/created`, image.created]);
  });
  return fields
    .filter(([, text]) => text !== undefined && parseTimestamp(text) === undefined)
    .map(([pointer]) => ({ pointer, detail: 'is not a date-time between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z' }))
    .slice(0, 20);
}

/** Union types make ajv report one error per branch; keep one per pointer and message. */
function dedupe(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields
    .filter((f) => {
      const key = `${f.pointer}\u0000${f.detail}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, 20);
}

/**
 * The schema only bounds the lengths of registry, repository and tag; Docker's grammar
 * decides the rest. Each must already be in normalised form, as the task sends it.
 */
function referenceErrors(report: Pick<Report, 'images'>): FieldError[] {
  const out: FieldError[] = [];
  report.images.forEach((image, i) => {
    const text = `${image.registry}/${image.repository}${image.tag === undefined ? '' : `:${image.tag}`}`;
    try {
      const ref = parseImageReference(text);
      if (ref.registry !== image.registry)
        out.push({ pointer: `/images/${i}/registry`, detail: `is not a normalised registry host (expected ${ref.registry})` });
      else if (ref.repository !== image.repository)
        out.push({ pointer: `/images/${i}/repository`, detail: `is not a normalised repository (expected ${ref.repository})` });
    } catch (err) {
      const reason =
        err instanceof InvalidImageReferenceError ? err.message.replace(/^invalid image reference "[^"]*": /, '') : 'is invalid';
      const field = /tag/.test(reason) ? 'tag' : /registry/.test(reason) ? 'registry' : 'repository';
      out.push({ pointer: `/images/${i}/${field}`, detail: `is not a valid image reference part: ${reason}` });
    }
  });
  return out.slice(0, 20);
}

/**
 * An index never lists itself, lists each platform manifest once, and a manifest is not its own index:
 * a report saying otherwise is wrong, and storing it would relate a digest to itself.
 */
function platformErrors(report: Pick<Report, 'images'>): FieldError[] {
  const out: FieldError[] = [];
  report.images.forEach((image, i) => {
    if (image.indexDigest === image.digest) out.push({ pointer: `/images/${i}/indexDigest`, detail: "is the image's own digest" });
    const seen = new Set<string>();
    (image.platforms ?? []).forEach((platform, p) => {
      const pointer = `/images/${i}/platforms/${p}/digest`;
      if (platform.digest === image.digest) out.push({ pointer, detail: "is the index's own digest" });
      else if (seen.has(platform.digest)) out.push({ pointer, detail: 'is listed twice' });
      seen.add(platform.digest);
    });
  });
  return out;
}
