import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv-draft-04';
import { ROOT, readJson, readTaskJson, type TaskJson } from './artefacts';

/** The official task.json schema (draft-04), kept as a fixture: see test/fixtures/README.md. */
function taskSchemaValidator(): ValidateFunction {
  const schema = readJson<object>(join(ROOT, 'test', 'fixtures', 'tasks.schema.json'));
  // strict: false because the official schema uses keywords ajv's strict mode rejects;
  // unicodeRegExp: false because its patterns are written for non-unicode regular expressions.
  return new Ajv({ strict: false, unicodeRegExp: false, allErrors: true }).compile(schema);
}

describe('task.json', () => {
  const validate = taskSchemaValidator();
  const task = readTaskJson();

  it('is valid against the official task.json schema', () => {
    const valid = validate(task);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  });

  it('would be rejected by that schema with a malformed GUID or an unknown property', () => {
    assert.equal(validate({ ...task, id: 'not-a-guid' }), false);
    assert.equal(validate({ ...task, unknownProperty: true }), false);
  });

  it('runs on every Node handler of the agents still in use (Node10, Node16, Node20_1, Node24), all on the same bundled entry', () => {
    assert.deepEqual(Object.keys(task.execution).sort(), ['Node10', 'Node16', 'Node20_1', 'Node24']);
    const targets = new Set(Object.values(task.execution).map((handler) => handler?.target));
    assert.equal(targets.size, 1);
    assert.match([...targets][0] ?? '', /^[\w.-]+\.js$/);
  });

  it('sets no minimumAgentVersion: the server would turn it into an Agent.Version demand on every job the decorator touches', () => {
    // microsoft/azure-pipelines-task-lib node/docs/minagent.md: minimumAgentVersion routes jobs
    // to agents that satisfy "the minimum version demand"; a job no agent of its pool satisfies
    // is not run (microsoft/azure-pipelines-yaml design/controlling-agent-updates.md).
    assert.equal((task as Record<string, unknown>).minimumAgentVersion, undefined);
    assert.equal((task as Record<string, unknown>).demands, undefined);
  });

  it('has no required input, because the injected step is never configured per pipeline', () => {
    const inputs = (task.inputs ?? []) as Array<{ name: string; required?: boolean }>;
    assert.deepEqual(
      inputs.filter((i) => i.required).map((i) => i.name),
      [],
    );
  });

  it('is a Utility task for build and release, on agents and deployment groups', () => {
    const t = task as TaskJson & { category: string; visibility: string[]; runsOn: string[] };
    assert.equal(t.category, 'Utility');
    assert.deepEqual([...t.visibility].sort(), ['Build', 'Release']);
    assert.ok(t.runsOn.includes('Agent'));
  });
});
