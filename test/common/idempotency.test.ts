import { strict as assert } from 'node:assert';
import { computeIdempotencyKey, type JobAttemptIdentity } from '../../common/idempotency';

const base: JobAttemptIdentity = {
  organizationUrl: 'https://dev.azure.com/contoso/',
  projectId: '0d3f2a7e-0000-4000-8000-000000000001',
  hub: 'build',
  runId: 12,
  jobId: '12f1170f-54f2-53f3-20dd-22fc7dff55f9',
  jobAttempt: 1,
};

describe('computeIdempotencyKey', () => {
  it('is 64 lowercase hex digits', () => {
    assert.match(computeIdempotencyKey(base), /^[0-9a-f]{64}$/);
  });
  it('ignores the case and trailing slash of the organisation URL', () => {
    assert.equal(computeIdempotencyKey(base), computeIdempotencyKey({ ...base, organizationUrl: 'https://dev.azure.com/Contoso' }));
  });
  const changes: Array<[string, Partial<JobAttemptIdentity>]> = [
    ['run', { runId: 13 }],
    ['job', { jobId: 'other' }],
    ['attempt', { jobAttempt: 2 }],
    ['project', { projectId: 'other' }],
    ['hub', { hub: 'release' }],
    ['organisation', { organizationUrl: 'https://dev.azure.com/fabrikam' }],
  ];
  for (const [what, change] of changes) {
    it(`changes when the ${what} changes`, () => {
      assert.notEqual(computeIdempotencyKey(base), computeIdempotencyKey({ ...base, ...change }));
    });
  }
});
