/**
 * `npm run demo`: the whole product on one machine with a Docker engine, in about a minute.
 *
 * 1. starts the mapping service on SQLite (a throw-away database) with two static tokens;
 * 2. starts a throw-away registry (Debian's docker-registry) on 127.0.0.1;
 * 3. packages the extension with the service's URL baked in, and extracts the task;
 * 4. builds a tiny FROM scratch image and pushes it through the engine;
 * 5. runs the packaged task as the agent would after a pipeline job (a simulated build job of
 *    https://dev.azure.com/contoso; no Azure DevOps call is made: without the job's connection
 *    the task uses the pipeline's start time and the static token);
 * 6. asks the service who built the pushed digest, with the CLI;
 * 7. imports a cluster snapshot that runs that digest behind a public load balancer, and a vendor's
 *    image that no pipeline reported behind an Ingress (`import kubernetes`, with an inventory token);
 * 8. imports a Trivy report for each image (`import vulnerabilities`; `demoCluster.ts` says what is made up);
 * 9. asks which exposed workloads run an image with high or critical findings, and who built it
 *    (`query exposed --min-severity high`), and how much of the cluster is mapped (`query coverage`);
 * and cleans up everything it started, also when a step fails.
 *
 * With `--keep` (`npm run demo -- --keep`), it then leaves the service running with all of the above, prints the
 * explorer page's URL with the first template's query and the read token to sign in with (in the terminal only,
 * never in the URL), and waits: Ctrl-C (SIGINT, or SIGTERM) stops the service and removes everything, exit code 0.
 * So that the page's "Ask the owning team to fix" files a work item, `--keep` also starts, in this process, the
 * tests' stand-in of Azure Boards (test/support/azureBoards.ts) and configures the service's `remediation` for
 * https://dev.azure.com/contoso with the stand-in as its `apiUrl`: work item links name dev.azure.com/contoso,
 * which is never called.
 *
 * Everything listens on and talks to 127.0.0.1 only.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AdmZip from 'adm-zip';
import { hashToken } from '../service/src/auth/staticTokens';
import type { RemediationOrganization } from '../service/src/remediation/settings';
import { AzureBoardsStandIn } from '../test/support/azureBoards';
import { AzureDevOpsStandIn } from '../test/support/azureDevOps';
import { queryToParams, TEMPLATES } from '../web/src/query';
import { DEMO_CLUSTER, writeDemoCluster } from './demoCluster';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin', 'container-mapping.js');
const cleanups: Array<() => Promise<void> | void> = [];
/** `--keep`: leave the service running for the explorer page until Ctrl-C. */
const KEEP = process.argv.slice(2).includes('--keep');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Runs a program (never through a shell) and resolves with its stdout. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(file, args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? fail(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || err.message}`)) : ok(stdout),
    );
  });
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, program)));
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => ok(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function httpStatus(options: { socketPath?: string; host?: string; port?: number; path: string }): Promise<number> {
  return new Promise((ok) => {
    const req = request({ ...options, timeout: 2000 }, (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => ok(0));
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer within ${ms / 1000} s`);
}

function stopOnCleanup(child: ChildProcess): void {
  cleanups.push(
    () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  );
}

/** What the demo needs on this machine; explains what is missing. */
async function checkPrerequisites(): Promise<void> {
  const missing: string[] = [];
  const socket = '/var/run/docker.sock';
  if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith('unix://')) {
    missing.push(`DOCKER_HOST=${process.env.DOCKER_HOST}: the demo talks to a local unix socket only`);
  } else {
    const path = process.env.DOCKER_HOST?.slice('unix://'.length) ?? socket;
    if ((await httpStatus({ socketPath: path, path: '/_ping' })) !== 200) {
      missing.push(
        `a Docker engine answering on ${path} (Debian: apt-get install docker.io, then start dockerd; as root, scripts/services.sh start does both)`,
      );
    }
  }
  if (!onPath('docker')) missing.push('the docker CLI, to build and push the demo image (Debian: apt-get install docker.io)');
  if (!onPath('docker-registry')) missing.push("a local registry: Debian's docker-registry (apt-get install docker-registry)");
  if (missing.length > 0) throw new Error(`the demo needs:\n  - ${missing.join('\n  - ')}`);
}

async function startRegistry(work: string): Promise<string> {
  const port = await freePort();
  const config = join(work, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(work, 'registry')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  stopOnCleanup(child);
  await waitFor('the registry', async () => (await httpStatus({ host: '127.0.0.1', port, path: '/v2/' })) === 200);
  return `127.0.0.1:${port}`;
}

/** The demo's static tokens: the pipelines', the cluster inventory's and the security team's. */
interface DemoTokens {
  ingest: string;
  inventory: string;
  read: string;
}

/** The demo's service: its URL, and its exit code once it has exited. */
interface DemoService {
  url: string;
  exited: Promise<number | null>;
}

/** The demo's organisation, as its runs name it; never called. */
const DEMO_ORGANIZATION = 'https://dev.azure.com/contoso';

/**
 * `--keep`: a local stand-in of Azure Boards on 127.0.0.1 (the one the tests use), accepting only a fresh PAT,
 * and the `remediation` setting that files contoso's work items there.
 */
async function startBoards(): Promise<{ url: string; remediation: RemediationOrganization[] }> {
  const pat = randomBytes(24).toString('base64url');
  const standIn = await AzureDevOpsStandIn.start({ organization: 'contoso', personalAccessToken: pat });
  AzureBoardsStandIn.install(standIn);
  cleanups.push(() => standIn.close());
  return { url: standIn.url, remediation: [{ organizationUrl: DEMO_ORGANIZATION, apiUrl: standIn.url, pat }] };
}

async function startService(work: string, tokens: DemoTokens, remediation: RemediationOrganization[]): Promise<DemoService> {
  await run(process.execPath, [join(ROOT, 'scripts', 'build-service.mjs')]);
  // Hashed in-process, so the tokens never appear on a command line.
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    env: {
      ...process.env,
      CM_DATABASE_URL: `sqlite:${join(work, 'mappings.db')}`,
      CM_LOG_LEVEL: 'warn',
      CM_TOKENS: JSON.stringify([
        { name: 'demo-pipelines', sha256: hashToken(tokens.ingest), scopes: ['ingest'], organization: 'contoso' },
        { name: 'demo-cluster-inventory', sha256: hashToken(tokens.inventory), scopes: ['inventory'] },
        // remediate too: the page's "Ask the owning team to fix" files work items (with --keep, in the Boards stand-in).
        { name: 'demo-security-team', sha256: hashToken(tokens.read), scopes: ['read', 'remediate'] },
      ]),
      // The stand-in's PAT goes through the environment, never a command line.
      CM_REMEDIATION: JSON.stringify(remediation),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stopOnCleanup(child);
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) ok(m[1]);
    });
    void exited.then((code) => fail(new Error(`the service exited with code ${code}`)));
  });
  return { url: url.replace(/\/$/, ''), exited };
}

/**
 * `--keep`: prints where the explorer page is and how to sign in, then resolves when Ctrl-C (SIGINT) or
 * SIGTERM arrives, or when the service stops (a terminal's Ctrl-C reaches it too); rejects if it fails.
 */
async function keepServing(service: DemoService, readToken: string, boardsUrl: string): Promise<void> {
  const template = TEMPLATES[0];
  if (!template) throw new Error('the page has no template');
  say(`\n10. The explorer page is served by the service, with everything above: ${service.url}/`);
  say(`   "${template.title}":`);
  say(`\n   ${service.url}/#/explore?${queryToParams(template.query).toString()}`);
  say('\n   Sign in with this read token (the page keeps it for that browser tab only; it is never part of a URL):');
  say(`\n   ${readToken}`);
  say(`\n   "Ask the owning team to fix" on a row files a work item: work items go to a local stand-in of Azure Boards`);
  say(`   (${boardsUrl}), so their links name ${DEMO_ORGANIZATION}, which the demo never calls and which does not hold them.`);
  say('\n   The service keeps running; press Ctrl-C to stop it and the Boards stand-in, and remove everything the demo made.');
  const code = await new Promise<number | null>((ok) => {
    // `on`, not `once`: a terminal's Ctrl-C reaches this process twice (from the terminal, and relayed by
    // npm); a second signal must not end it half-way through its clean-up.
    const stop = () => ok(0);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void service.exited.then(ok);
  });
  if (code !== 0) throw new Error(`the service exited with code ${code}`);
}

async function packageTask(work: string, serviceUrl: string): Promise<string> {
  const out = join(work, 'dist');
  await run(process.execPath, [
    join(ROOT, 'scripts', 'package-extension.mjs'),
    '--service-url',
    serviceUrl,
    '--output-path',
    out,
    '--staging-dir',
    join(work, 'staging'),
  ]);
  const vsix = readdirSync(out).find((f) => f.endsWith('.vsix'));
  if (!vsix) throw new Error('npm run package wrote no .vsix');
  say(`   packaged ${vsix} with the service URL ${serviceUrl} baked in`);
  const extracted = join(work, 'vsix');
  new AdmZip(join(out, vsix)).extractAllTo(extracted, true);
  return join(extracted, 'tasks', 'ContainerMappingV1', 'index.js');
}

async function main(): Promise<void> {
  await checkPrerequisites();
  const work = mkdtempSync(join(tmpdir(), 'container-mapping-demo-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const token = () => randomBytes(24).toString('base64url');
  const tokens: DemoTokens = { ingest: token(), inventory: token(), read: token() };

  const boards = KEEP ? await startBoards() : null;
  say('1. Starting the mapping service on SQLite …');
  if (boards) say(`   with work items filed in a local stand-in of Azure Boards at ${boards.url} (--keep)`);
  const service = await startService(work, tokens, boards?.remediation ?? []);
  const serviceUrl = service.url;
  say(`   ${serviceUrl}`);

  say('2. Starting a throw-away registry …');
  const registry = await startRegistry(work);
  say(`   ${registry}`);

  say('3. Packaging the extension …');
  const entry = await packageTask(work, serviceUrl);

  const pipelineStart = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  const reference = `${registry}/demo/web-api:1.0.${Date.now() % 1000}`;
  say(`4. Building and pushing ${reference} (FROM scratch) …`);
  const context = join(work, 'image');
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  writeFileSync(join(context, 'hello.txt'), `hello from the container mapping demo ${randomUUID()}\n`);
  writeFileSync(
    join(context, 'Dockerfile'),
    'FROM scratch\nCOPY hello.txt /hello.txt\nLABEL org.opencontainers.image.source="https://dev.azure.com/contoso/Shop/_git/web-api"\n',
  );
  const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '0' };
  await run('docker', ['build', '--quiet', '--tag', reference, context], dockerEnv);
  cleanups.push(async () => void (await run('docker', ['image', 'rm', '--force', reference]).catch(() => '')));
  await run('docker', ['push', '--quiet', reference], dockerEnv);

  say('5. Running the packaged task as the agent does after the job …');
  const agentTemp = join(work, 'agent-temp');
  mkdirSync(agentTemp, { recursive: true });
  const jobEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso/',
    SYSTEM_TEAMPROJECTID: '3b9e1f4a-7c2d-4e8f-9a1b-2c3d4e5f6a7b',
    SYSTEM_TEAMPROJECT: 'Shop',
    SYSTEM_HOSTTYPE: 'build',
    SYSTEM_PLANID: randomUUID(),
    SYSTEM_JOBID: randomUUID(),
    SYSTEM_JOBNAME: 'Build',
    SYSTEM_JOBDISPLAYNAME: 'Build image',
    SYSTEM_JOBATTEMPT: '1',
    SYSTEM_STAGENAME: 'Build',
    SYSTEM_PIPELINESTARTTIME: `${pipelineStart.toISOString().slice(0, 19).replace('T', ' ')}+00:00`,
    SYSTEM_DEFINITIONID: '7',
    BUILD_DEFINITIONNAME: 'web-api CI',
    BUILD_BUILDID: '1234',
    BUILD_BUILDNUMBER: '20261128.3',
    BUILD_REASON: 'IndividualCI',
    BUILD_REPOSITORY_PROVIDER: 'TfsGit',
    BUILD_REPOSITORY_URI: 'https://dev.azure.com/contoso/Shop/_git/web-api',
    BUILD_REPOSITORY_NAME: 'web-api',
    BUILD_SOURCEVERSION: '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c',
    BUILD_SOURCEBRANCH: 'refs/heads/main',
    AGENT_NAME: 'demo-agent',
    AGENT_OS: 'Linux',
    AGENT_ISSELFHOSTED: '1',
    AGENT_TEMPDIRECTORY: agentTemp,
    // A secret variable reaches a task as SECRET_<NAME>; ContainerMapping.Token here.
    SECRET_CONTAINERMAPPING_TOKEN: tokens.ingest,
  };
  const taskOut = await run(process.execPath, [entry], jobEnv);
  // The agent consumes ##vso[…] commands (debug lines, secret registration) and shows the rest.
  for (const line of taskOut.trimEnd().split('\n')) if (!line.startsWith('##vso[')) say(`   | ${line}`);

  say('6. Asking the service who built it: container-mapping query images --repository demo/web-api');
  const queryEnv = { ...process.env, CM_URL: serviceUrl, CM_TOKEN: tokens.read };
  const list = await run(process.execPath, [CLI, 'query', 'images', '--registry', registry, '--repository', 'demo/web-api'], queryEnv);
  for (const line of list.trimEnd().split('\n')) say(`   ${line}`);
  const listed = JSON.parse(
    await run(process.execPath, [CLI, 'query', 'images', '--registry', registry, '--repository', 'demo/web-api', '--json'], queryEnv),
  ) as { items: Array<{ digest: string }> };
  const digest = listed.items[0]?.digest;
  if (!digest) throw new Error('the service has no mapping for the pushed image');
  say(`\n   container-mapping query image ${digest}`);
  const detail = await run(process.execPath, [CLI, 'query', 'image', digest], queryEnv);
  for (const line of detail.trimEnd().split('\n')) say(`   ${line}`);

  const files = writeDemoCluster(work, reference, digest);
  const inventoryEnv = { ...process.env, CM_URL: serviceUrl, CM_TOKEN: tokens.inventory };
  say(`\n7. Importing cluster ${DEMO_CLUSTER}: container-mapping import kubernetes --cluster ${DEMO_CLUSTER} kubectl-get-all.json`);
  const imported = await run(process.execPath, [CLI, 'import', 'kubernetes', '--cluster', DEMO_CLUSTER, files.list], inventoryEnv);
  for (const line of imported.trimEnd().split('\n')) say(`   ${line}`);
  say('8. Importing the scans: container-mapping import vulnerabilities trivy-web-api.json trivy-checkout.json');
  const scanned = await run(process.execPath, [CLI, 'import', 'vulnerabilities', ...files.scans], inventoryEnv);
  for (const line of scanned.trimEnd().split('\n')) say(`   ${line.replace(`${work}/`, '')}`);

  say('9. Which internet-exposed workloads run an image with high or critical findings, and who built it?');
  say('\n   container-mapping query exposed --min-severity high');
  const exposed = await run(process.execPath, [CLI, 'query', 'exposed', '--min-severity', 'high'], queryEnv);
  for (const line of exposed.trimEnd().split('\n')) say(`   ${line}`);
  say('\n   container-mapping query coverage');
  const coverage = await run(process.execPath, [CLI, 'query', 'coverage'], queryEnv);
  for (const line of coverage.trimEnd().split('\n')) say(`   ${line}`);
  if (boards) await keepServing(service, tokens.read, boards.url);
}

async function cleanUp(): Promise<void> {
  for (const step of cleanups.reverse()) {
    try {
      await step();
    } catch {
      // Cleaning up is best effort; the next step still runs.
    }
  }
}

main().then(
  async () => {
    await cleanUp();
    say('\nDemo finished; everything it started has been stopped and removed.');
  },
  async (err: unknown) => {
    await cleanUp();
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
