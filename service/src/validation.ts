/**
 * Validates a report against the shared TypeBox schema with ajv, and turns ajv's errors
 * into field errors whose pointers name the failing field.
 */
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { ReportSchema, type Report } from '../../common/report';
import { computeIdempotencyKey } from '../../common/idempotency';
import { InvalidImageReferenceError, parseImageReference } from '../../common/imageReference';
import { invalidInput, type FieldError } from './errors';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile<Report>(ReportSchema);

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
  const references = referenceErrors(body);
  if (references.length > 0) {
    throw invalidInput(`${references[0]?.pointer ?? ''} ${references[0]?.detail ?? ''}`, references);
  }
  const expected = computeIdempotencyKey(body.pipeline);
  if (body.idempotencyKey !== expected) {
    throw invalidInput(
      'idempotencyKey is not the key of this job attempt (organisation, project, hub, run, job, attempt)',
      [{ pointer: '/idempotencyKey', detail: `expected ${expected}` }],
    );
  }
  return body;
}

/** Union types make ajv report one error per branch; keep one per pointer and message. */
function dedupe(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const key = `${f.pointer}\u0000${f.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, 20);
}

/**
 * The schema only bounds the lengths of registry, repository and tag; Docker's grammar
 * decides the rest. Each must already be in normalised form, as the task sends it.
 */
function referenceErrors(report: Report): FieldError[] {
  const out: FieldError[] = [];
  report.images.forEach((image, i) => {
    const text = `${image.registry}/${image.repository}${image.tag === undefined ? '' : `:${image.tag}`}`;
    try {
      const ref = parseImageReference(text);
      if (ref.registry !== image.registry) out.push({ pointer: `/images/${i}/registry`, detail: `is not a normalised registry host (expected ${ref.registry})` });
      else if (ref.repository !== image.repository) out.push({ pointer: `/images/${i}/repository`, detail: `is not a normalised repository (expected ${ref.repository})` });
    } catch (err) {
      const reason = err instanceof InvalidImageReferenceError ? err.message.replace(/^invalid image reference "[^"]*": /, '') : 'is invalid';
      const field = /tag/.test(reason) ? 'tag' : /registry/.test(reason) ? 'registry' : 'repository';
      out.push({ pointer: `/images/${i}/${field}`, detail: `is not a valid image reference part: ${reason}` });
    }
  });
  return out.slice(0, 20);
}
