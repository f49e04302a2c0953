/**
 * Bad input gets a 4xx problem document naming what is wrong, and nothing stored changes.
 */
import assert from 'node:assert/strict';
import { DATABASES } from './support/stores';
import { INGEST_TOKEN, startTestService, type TestService } from './support/app';
import { digestOf, image, makeReport } from './support/reports';

for (const kind of DATABASES) {
  describe(`Bad reports on ${kind.name}`, () => {
    let svc: TestService;
    let before: unknown;

    beforeEach(async () => {
      svc = await startTestService(kind, { bodyLimit: 64 * 1024 });
      assert.equal((await svc.send(makeReport())).statusCode, 201);
      before = { counts: await svc.app.store.counts(), image: await svc.app.store.getImage(digestOf('web-api')) };
    });
    afterEach(async () => svc.close());

    async function expectRefused(payload: string | object, status: number, contentType = 'application/json') {
      const response = await svc.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': contentType },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const after = { counts: await svc.app.store.counts(), image: await svc.app.store.getImage(digestOf('web-api')) };
      assert.deepEqual(after, before, 'the store changed');
      return response.json<{ detail: string; pointer?: string; errors?: Array<{ pointer?: string }> }>();
    }

    // Each bad report replaces the stored one's images if it were accepted: same job attempt.
    const replacing = (mutate: (r: Record<string, unknown>) => void) => {
      const r = makeReport({ images: [image({ tag: 'evil' })] }) as unknown as Record<string, unknown>;
      mutate(r);
      return r;
    };

    it('refuses malformed JSON with 400', async () => {
      const problem = await expectRefused('{"schemaVersion": 1, ', 400);
      assert.match(problem.detail, /not valid JSON/);
    });

    it('refuses a field of the wrong type, naming it as a JSON pointer', async () => {
      const problem = await expectRefused(
        replacing((r) => ((r.pipeline as Record<string, unknown>).runId = '12')),
        400,
      );
      assert.equal(problem.pointer, '/pipeline/runId');
    });

    it('refuses a report with a missing field, naming the missing field', async () => {
      const problem = await expectRefused(
        replacing((r) => delete (r.pipeline as Record<string, unknown>).projectId),
        400,
      );
      assert.equal(problem.pointer, '/pipeline/projectId');
    });

    it('refuses an unknown schema version', async () => {
      const problem = await expectRefused(
        replacing((r) => (r.schemaVersion = 2)),
        400,
      );
      assert.equal(problem.pointer, '/schemaVersion');
    });

    it('refuses an invalid digest, naming the image it belongs to', async () => {
      const problem = await expectRefused(
        replacing((r) => ((r.images as Array<Record<string, unknown>>)[0]!.digest = 'sha256:XYZ')),
        400,
      );
      assert.equal(problem.pointer, '/images/0/digest');
    });

    it('refuses unicode in a repository name, which no registry accepts', async () => {
      const problem = await expectRefused(
        replacing((r) => ((r.images as Array<Record<string, unknown>>)[0]!.repository = 'team/wéb-api')),
        400,
      );
      assert.equal(problem.pointer, '/images/0/repository');
    });

    it('refuses an idempotency key that is not the key of the job attempt', async () => {
      const problem = await expectRefused(
        replacing((r) => (r.idempotencyKey = 'a'.repeat(64))),
        400,
      );
      assert.equal(problem.pointer, '/idempotencyKey');
    });

    it('refuses a body over the configured limit with 413', async () => {
      const huge = replacing((r) => ((r.collector as Record<string, unknown>).name = 'x'.repeat(80 * 1024)));
      await expectRefused(huge, 413);
    });

    it('refuses a body that is not JSON with 415', async () => {
      await expectRefused('schemaVersion=1', 415, 'application/x-www-form-urlencoded');
    });

    it('refuses an unknown query parameter instead of ignoring it', async () => {
      const response = await svc.read('/api/v1/images?repositry=team/web-api');
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().parameter, 'repositry');
    });
  });
}
