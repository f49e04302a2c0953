import { strict as assert } from 'node:assert';
import { conditionsOf, evaluate, expandSteps, type DecoratorContext } from './templateExpressions';

const context: DecoratorContext = {
  variables: { 'Build.Reason': 'Manual', Flag: 'TRUE' },
  job: { steps: [{ task: { id: 'aaaa' } }, {}, { task: { id: 'bbbb' } }] },
};

describe('the template-expression evaluator the decorator tests rely on', () => {
  const cases: Array<[string, unknown]> = [
    ["eq(variables['Build.Reason'], 'manual')", true],
    ["ne(variables['Flag'], 'true')", false],
    ["ne(variables['Missing'], 'true')", true],
    ["variables['Missing']", null],
    ['job.steps.*.task.id', ['aaaa', 'bbbb']],
    ["containsValue(job.steps.*.task.id, 'BBBB')", true],
    ["containsValue(job.steps.*.task.id, 'cccc')", false],
    ["not(containsValue(job.steps.*.task.id, 'aaaa'))", false],
    ["and(true, ne('a', 'b'), not(false))", true],
    ['or(false, eq(1, 2))', false],
    ["eq('it''s', 'IT''S')", true],
  ];
  for (const [expression, expected] of cases) {
    it(`evaluates ${expression} to ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(evaluate(expression, context), expected);
    });
  }

  it('refuses functions and contexts it does not know, rather than guessing', () => {
    assert.throws(() => evaluate("startsWith('a', 'a')", context), /startsWith/);
    assert.throws(() => evaluate("resources.repositories['self'].ref", context), /resources/);
  });

  it('expands nested conditional insertions and keeps plain steps', () => {
    const steps = [
      { script: 'always' },
      { "${{ if eq(variables['Flag'], 'true') }}": [{ '${{ if eq(1, 2) }}': [{ script: 'never' }] }, { script: 'flagged' }] },
      { "${{ if eq(variables['Flag'], 'false') }}": [{ script: 'not flagged' }] },
    ];
    assert.deepEqual(
      expandSteps(steps, context).map((s) => s.script),
      ['always', 'flagged'],
    );
    assert.deepEqual(conditionsOf(steps), ["eq(variables['Flag'], 'true')", 'eq(1, 2)', "eq(variables['Flag'], 'false')"]);
  });

  it('refuses template directives it does not know', () => {
    assert.throws(() => expandSteps([{ '${{ each s in job.steps }}': [] }], context), /not known/);
  });
});
