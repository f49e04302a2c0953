import { strict as assert } from 'node:assert';
import { readDecorators, readTaskJson } from './artefacts';
import { conditionsOf, expandSteps, type DecoratorContext } from './templateExpressions';

const task = readTaskJson();
const decorators = readDecorators();

/** A job as the decorator sees it: steps already resolved to task GUIDs. */
function job(...taskIds: string[]): DecoratorContext['job'] {
  return { steps: taskIds.map((id) => ({ task: { id, name: 'SomeTask', version: '1.0.0' } })) };
}
const CMDLINE = 'd9bafed4-0b18-4f58-968d-86655b4d2ce9';
const CHECKOUT = '6d15af64-176c-496d-b583-fd2ae21d4df4';

describe('decorator templates', () => {
  it('the manifest contributes two templates: build/YAML and classic release', () => {
    assert.equal(decorators.length, 2);
  });

  for (const { path, template } of decorators) {
    describe(path, () => {
      const steps = (template as { steps?: unknown }).steps;
      const expand = (variables: Record<string, string>, j = job(CHECKOUT, CMDLINE)): Array<Record<string, unknown>> =>
        expandSteps(steps, { variables, job: j });

      it('parses as YAML with a list of steps', () => {
        assert.ok(template !== null && typeof template === 'object', 'the template is a YAML mapping');
        assert.ok(Array.isArray(steps), 'it has a steps list');
      });

      it('injects exactly one step into an ordinary job', () => {
        assert.equal(expand({}).length, 1);
      });

      it('references the task by GUID and major version from task.json', () => {
        const [step] = expand({});
        assert.equal(step?.task, `${task.id}@${task.version.Major}`);
      });

      it('runs the step even when an earlier step failed, with a short timeout', () => {
        const [step] = expand({});
        assert.equal(step?.condition, 'always()');
        assert.equal(typeof step?.timeoutInMinutes, 'number');
        assert.ok((step?.timeoutInMinutes as number) >= 1 && (step?.timeoutInMinutes as number) <= 5, 'timeout of 1 to 5 minutes');
      });

      it('never fails the job, even if the task itself breaks', () => {
        const [step] = expand({});
        assert.equal(step?.continueOnError, true);
      });

      it('tells the reader in the display name that the step was injected and how to opt out', () => {
        const [step] = expand({});
        const name = String(step?.displayName ?? '');
        assert.match(name, /injected/i);
        assert.match(name, /ContainerMapping\.Disabled/);
      });

      it('contains the documented opt-out and skip-if-present conditions', () => {
        const conditions = conditionsOf(steps);
        assert.ok(conditions.includes("ne(variables['ContainerMapping.Disabled'], 'true')"), conditions.join('\n'));
        assert.ok(conditions.includes(`not(containsValue(job.steps.*.task.id, '${task.id}'))`), conditions.join('\n'));
      });

      it('injects nothing when the pipeline sets ContainerMapping.Disabled to true, in any case', () => {
        assert.deepEqual(expand({ 'ContainerMapping.Disabled': 'true' }), []);
        assert.deepEqual(expand({ 'ContainerMapping.Disabled': 'True' }), []);
      });

      it('still injects the step when ContainerMapping.Disabled is anything but true', () => {
        assert.equal(expand({ 'ContainerMapping.Disabled': 'false' }).length, 1);
        assert.equal(expand({ 'ContainerMapping.Disabled': '' }).length, 1);
      });

      it('injects nothing when the job already runs the task, whatever the GUID case', () => {
        assert.deepEqual(expand({}, job(CHECKOUT, task.id)), []);
        assert.deepEqual(expand({}, job(task.id.toUpperCase(), CMDLINE)), []);
      });

      it('injects the step into a job with no steps of its own', () => {
        assert.equal(expand({}, job()).length, 1);
      });
    });
  }
});
