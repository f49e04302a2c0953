/**
 * The agent's logging commands the task writes itself (output.ts), held against
 * azure-pipelines-task-lib's own formatting (node/taskcommand.ts, `TaskCommand.toString`), which
 * the task used to call: the agent must read the same commands.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TaskCommand } from 'azure-pipelines-task-lib/taskcommand';

const OUTPUT_MODULE = join(__dirname, '..', '..', 'tasks', 'ContainerMappingV1', 'output.ts');

/**
 * What output.ts writes to file descriptor 1 when `call` (e.g. `['setSecret', 'x']`) runs in a
 * process of its own: the module writes with `fs.writeSync(1, …)`, which cannot be stubbed.
 */
function written(name: string, ...args: (string | undefined)[]): string {
  const script = `const output = require(${JSON.stringify(OUTPUT_MODULE)}); output[${JSON.stringify(name)}](...${JSON.stringify(args)}.map((a) => a === null ? undefined : a));`;
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
}

describe("The agent's logging commands the task writes", function () {
  const awkward = 'a;b]c%d\r\ne ##vso[task.complete result=Failed]';

  it('attaches a file as task-lib does, its type, name and path escaped', function () {
    for (const [type, name, path] of [
      ['containerMappingReport', 'containerMapping-job-1-1.json', '/agent/_temp/containerMapping-job-1-1.json'],
      ['containerMappingReport', awkward, `/tmp/${awkward}`],
    ] as const) {
      assert.equal(
        written('addAttachment', type, name, path),
        `${new TaskCommand('task.addattachment', { type, name }, path).toString()}\n`,
      );
    }
  });

  it('masks a secret as task-lib does', function () {
    assert.equal(written('setSecret', 'tok%en;]'), `${new TaskCommand('task.setsecret', {}, 'tok%en;]').toString()}\n`);
  });

  it('masks each line of a secret with line breaks, where task-lib would have thrown', function () {
    assert.equal(written('setSecret', 'one\ntwo'), '##vso[task.setsecret]one\n##vso[task.setsecret]two\n');
  });

  it("ends the step SucceededWithIssues with task-lib's warning and result, and the agent's correlation id", function () {
    const message = 'pushed images could not be reported';
    assert.equal(
      written('succeedWithIssues', message, 'corr-1'),
      `${new TaskCommand('task.issue', { type: 'warning', source: 'TaskInternal', correlationId: 'corr-1' }, message).toString()}\n` +
        `${new TaskCommand('task.complete', { result: 'SucceededWithIssues', done: 'true' }, message).toString()}\n`,
    );
    assert.equal(
      written('succeedWithIssues', message, undefined),
      `##vso[task.issue type=warning;source=TaskInternal;]${message}\n##vso[task.complete result=SucceededWithIssues;done=true;]${message}\n`,
    );
  });

  it('writes a debug line as task-lib does, its text escaped', function () {
    assert.equal(written('debug', awkward), `${new TaskCommand('task.debug', {}, awkward).toString()}\n`);
  });
});
