/**
 * `container-mapping remediate` against a listening app and the Azure DevOps stand-in: every exposed,
 * vulnerable image with an owner is asked for once; unmapped ones are listed as "no owner"; `--dry-run`
 * files nothing.
 */
import assert from 'node:assert/strict';
import { main } from '../../service/src/cli/main';
import type { RemediationLine } from '../../service/src/cli/remediate';
import { SQLITE } from './support/stores';
import { API, WEB } from './support/explorerSeed';
import { PAT, READ_ONLY_TOKEN, REMEDIATE_TOKEN, startRig, type RemediationRig } from './support/remediation';

describe('The remediate command', () => {
  let rig: RemediationRig;
  let url: string;
  beforeEach(async () => {
    rig = await startRig(SQLITE);
    url = await rig.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => rig.close());

  const run = async (args: string[], token = REMEDIATE_TOKEN) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['remediate', ...args], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: { CM_URL: url, CM_TOKEN: token },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('with --dry-run lists what it would file and the unmapped image as "no owner", and files nothing', async () => {
    const { code, out, err } = await run(['--min-severity', 'high', '--dry-run']);
    assert.equal(code, 0, err);
    const [header, apiLine, webLine, ...rest] = out.split('\n');
    assert.match(header ?? '', /^IMAGE\s+WORKLOADS\s+STATUS\s+REPOSITORY\s+WORK ITEM$/);
    assert.deepEqual(rest, []);
    assert.match(
      apiLine ?? '',
      new RegExp(`@${API.slice(0, 19)}\\s+prod/shop Deployment/api\\s+no owner \\(unmapped: nothing to file\\)$`),
    );
    assert.match(
      webLine ?? '',
      new RegExp(
        `@${WEB.slice(0, 19)}\\s+prod/shop Deployment/web\\s+would create\\s+https://dev.azure.com/contoso/Shop/_git/web-api\\s+Shop \\(Bug\\)$`,
      ),
    );
    assert.equal(rig.boards.items.size, 0);
    assert.equal(rig.standIn.requestsTo('workItemCreate').length, 0);
  });

  it('files once for each owned image, then answers the same work item; --json gives each image with its work items', async () => {
    const first = await run(['--min-severity', 'high', '--cluster', 'prod', '--json']);
    assert.equal(first.code, 0, first.err);
    const lines = JSON.parse(first.out) as RemediationLine[];
    assert.deepEqual(
      lines.map((l) => [l.digest, l.status, l.workItems.map((w) => w.status)]),
      [
        [API, 'no-owner', []],
        [WEB, 'done', ['created']],
      ],
    );
    const created = lines[1]?.workItems[0];
    assert.equal(rig.boards.items.size, 1);
    const second = await run(['--min-severity', 'high']);
    assert.equal(second.code, 0, second.err);
    assert.match(
      second.out,
      new RegExp(`existing\\s+https://dev.azure.com/contoso/Shop/_git/web-api\\s+${(created?.url ?? 'missing').replace(/[.?]/g, '\\$&')}`),
    );
    assert.equal(rig.boards.items.size, 1);
    assert.ok(!first.out.includes(PAT) && !second.out.includes(PAT));
  });

  it('exits 1 and prints the service’s reason when a request is refused, still listing the others', async () => {
    // A read-only token may list the rows but not file.
    const { code, out } = await run(['--min-severity', 'high'], READ_ONLY_TOKEN);
    assert.equal(code, 1);
    assert.match(out, /no owner \(unmapped/);
    assert.match(out, /failed: 403 these credentials may not file work items/);
  });

  it('refuses a missing or unknown --min-severity as bad usage', async () => {
    for (const args of [[], ['--min-severity', 'negligible']]) {
      const { code, err } = await run(args);
      assert.equal(code, 2);
      assert.match(err, /remediate needs --min-severity critical\|high\|medium\|low/);
    }
  });
});
