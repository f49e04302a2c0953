/**
 * The extension's publishing pipeline (deploy/azure-pipelines/publish.yml), validated against Microsoft's Azure
 * Pipelines YAML schema (test/fixtures/azure-pipelines/, origin in its README). It cannot run here: no Azure DevOps.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { FAILSAFE_SCHEMA, load } from 'js-yaml';
import { REPO_ROOT } from './support/image';

const PIPELINE_FILE = join(REPO_ROOT, 'deploy', 'azure-pipelines', 'publish.yml');
const SCHEMA_FILE = join(REPO_ROOT, 'test', 'fixtures', 'azure-pipelines', 'service-schema.json');

type Step = { script?: string; task?: string; displayName?: string; env?: Record<string, string> } & Record<string, unknown>;
type Pipeline = {
  name: string;
  variables: { group?: string; name?: string; value?: string }[];
  stages: { stage: string; condition?: string; jobs: { job: string; steps: Step[] }[] }[];
};

function stepsOf(pipeline: Pipeline, stage: string): Step[] {
  const found = pipeline.stages.find((s) => s.stage === stage);
  assert.ok(found, `no stage ${stage}`);
  return found.jobs.flatMap((job) => job.steps);
}

describe('the extension publishing pipeline (Azure Pipelines YAML)', function () {
  let validate: ValidateFunction;
  let text: string;
  let pipeline: Pipeline;

  before(function () {
    this.timeout(120_000);
    // The schema is draft-07, written for VS Code: it uses keywords (`deprecationMessage`, `doNotSuggest`, …) that
    // Ajv does not know, and patterns that are not valid with the u flag; strict mode off keeps every standard keyword in force.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
    validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
    text = readFileSync(PIPELINE_FILE, 'utf8');
    // Azure Pipelines reads every YAML scalar as a string (the schema types `timeoutInMinutes`, `default: true`, …
    // as strings), so the file is read with YAML's failsafe schema: numbers and booleans stay strings.
    pipeline = load(text, { schema: FAILSAFE_SCHEMA }) as Pipeline;
  });

  it('matches the official Azure Pipelines YAML schema', function () {
    assert.ok(validate(pipeline), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  });

  it('the schema check refuses a pipeline with a misspelt step key (it can fail)', function () {
    const broken = structuredClone(pipeline);
    const step = broken.stages[0]!.jobs[0]!.steps.find((s) => s.script !== undefined)!;
    step.scriptt = step.script;
    delete step.script;
    assert.equal(validate(broken), false);
  });

  it('installs with npm ci and runs the static checks and the tests before it publishes', function () {
    const scripts = stepsOf(pipeline, 'Test').flatMap((s) => (s.script === undefined ? [] : [s.script]));
    assert.deepEqual(scripts, [
      'npm ci --no-audit --no-fund',
      'sudo --preserve-env=PATH scripts/services.sh start',
      'npm run check:static',
      'npm test',
    ]);
    const publish = pipeline.stages.find((s) => s.stage === 'Publish')!;
    assert.match(publish.condition ?? '', /succeeded\(\)/);
  });

  it('packages with the publisher, service URL and the run-derived version, then publishes and shares with tfx', function () {
    assert.equal(pipeline.name, '$(versionMajorMinor).$(versionPatch)');
    assert.match(pipeline.variables.find((v) => v.name === 'versionPatch')?.value ?? '', /^\$\[counter\(/);
    const steps = stepsOf(pipeline, 'Publish');
    const pack = steps.find((s) => s.script?.startsWith('npm run package'));
    assert.deepEqual(pack?.env, {
      CM_PUBLISHER: '$(Publisher)',
      CM_SERVICE_URL: '$(ServiceUrl)',
      CM_EXTENSION_VERSION: '$(Build.BuildNumber)',
      CM_OUTPUT_PATH: '$(Build.ArtifactStagingDirectory)/vsix',
    });
    const publish = steps.find((s) => s.script?.includes('tfx extension publish'));
    assert.match(publish?.script ?? '', /--share-with "\$SHARE_WITH" --token "\$MARKETPLACE_TOKEN" --no-prompt/);
    assert.equal(publish?.env?.MARKETPLACE_TOKEN, '$(MarketplaceToken)');
  });

  it('hands the Marketplace token to the tfx step only, through its environment, never in a script line', function () {
    const mentions = text.split('\n').filter((line) => line.includes('$(MarketplaceToken)'));
    assert.deepEqual(
      mentions.map((line) => line.trim()),
      ['MARKETPLACE_TOKEN: $(MarketplaceToken)'],
    );
    for (const stage of ['Test', 'Publish']) {
      for (const step of stepsOf(pipeline, stage)) assert.doesNotMatch(step.script ?? '', /\$\(MarketplaceToken\)|set -x|echo .*TOKEN/);
    }
  });
});
