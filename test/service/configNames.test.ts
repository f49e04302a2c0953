/**
 * The configuration's outside names (environment variables, flags), written once on the schema:
 * every name that worked before still works, the flag parser and the README are derived from it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, ConfigSchema, loadConfig, SETTINGS, type ServiceConfig } from '../../service/src/config';
import { CONFIG_FLAGS, flagsToSettings } from '../../service/src/cli/configFlags';
import { serveCommand } from '../../service/src/cli/serve';
import { configTable, withConfigTable } from '../../service/src/configTable';

const ORGANIZATION = { id: '8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', url: 'https://dev.azure.com/contoso' };
const TOKEN = { name: 'reader', sha256: 'a'.repeat(64), scopes: ['read'] };
const SOURCE = { organizationUrl: 'https://dev.azure.com/contoso', project: 'Shop' };

/** Every environment variable the service read before the names moved onto the schema. */
const ENVIRONMENT: Array<[string, string, keyof ServiceConfig, unknown]> = [
  ['CM_HOST', '127.0.0.2', 'host', '127.0.0.2'],
  ['CM_PORT', '9001', 'port', 9001],
  ['CM_DATABASE_URL', 'sqlite:/tmp/x.db', 'databaseUrl', 'sqlite:/tmp/x.db'],
  ['CM_LOG_LEVEL', 'debug', 'logLevel', 'debug'],
  ['CM_BODY_LIMIT', '2048', 'bodyLimit', 2048],
  ['CM_REQUEST_TIMEOUT_MS', '5000', 'requestTimeoutMs', 5000],
  ['CM_CONNECTION_TIMEOUT_MS', '7000', 'connectionTimeoutMs', 7000],
  ['CM_AMBIGUITY_WINDOW_MS', '2500', 'ambiguityWindowMs', 2500],
  ['CM_READ_OPEN', 'true', 'readOpen', true],
  ['CM_MIGRATE_ON_START', 'false', 'migrateOnStart', false],
  ['CM_OIDC_ORGANIZATIONS', JSON.stringify([ORGANIZATION]), 'organizations', [ORGANIZATION]],
  ['CM_TOKENS', JSON.stringify([TOKEN]), 'tokens', [TOKEN]],
  ['CM_BACKFILL_INTERVAL_MINUTES', '15', 'backfillIntervalMinutes', 15],
  ['CM_BACKFILL_LOOKBACK_HOURS', '48', 'backfillLookbackHours', 48],
  ['CM_BACKFILL_SOURCES', JSON.stringify([SOURCE]), 'backfillSources', [SOURCE]],
];

/** Every flag `serve`, `migrate` and `backfill` took for a setting before. */
const FLAGS: Array<[string[], keyof ServiceConfig, unknown]> = [
  [['--host', '127.0.0.2'], 'host', '127.0.0.2'],
  [['--port', '9001'], 'port', 9001],
  [['--database', 'sqlite:/tmp/x.db'], 'databaseUrl', 'sqlite:/tmp/x.db'],
  [['--log-level', 'debug'], 'logLevel', 'debug'],
  [['--body-limit', '2048'], 'bodyLimit', 2048],
  [['--import-body-limit', '4194304'], 'importBodyLimit', 4194304],
  [['--request-timeout-ms', '5000'], 'requestTimeoutMs', 5000],
  [['--connection-timeout-ms', '7000'], 'connectionTimeoutMs', 7000],
  [['--ambiguity-window-ms', '2500'], 'ambiguityWindowMs', 2500],
  [['--read-open'], 'readOpen', true],
  [['--no-migrate'], 'migrateOnStart', false],
  [['--backfill-interval-minutes', '15'], 'backfillIntervalMinutes', 15],
];

function configFromFlags(args: string[], env: Record<string, string> = {}): ServiceConfig {
  const { values } = parseArgs({ args, options: CONFIG_FLAGS, strict: true, allowPositionals: false });
  return loadConfig({ ...(values.config ? { file: values.config } : {}), env, flags: flagsToSettings(values) });
}

const ROOT = join(__dirname, '..', '..');
const README = join(ROOT, 'service', 'README.md');

describe('Configuration names', () => {
  for (const [variable, text, key, expected] of ENVIRONMENT) {
    it(`reads ${variable} into ${key}`, () => {
      assert.deepEqual(loadConfig({ env: { [variable]: text } })[key], expected);
    });
  }

  for (const [args, key, expected] of FLAGS) {
    it(`reads ${args.join(' ')} into ${key}`, () => {
      assert.deepEqual(configFromFlags(args)[key], expected);
    });
  }

  it('takes exactly the flags it took before, --config included', () => {
    assert.deepEqual(Object.keys(CONFIG_FLAGS).sort(), ['config', ...FLAGS.map(([args]) => args[0]!.slice(2))].sort());
  });

  it('lets a flag win over its environment variable', () => {
    assert.equal(configFromFlags(['--no-migrate'], { CM_MIGRATE_ON_START: 'true' }).migrateOnStart, false);
    assert.equal(
      configFromFlags(['--database', 'sqlite:/tmp/flag.db'], { CM_DATABASE_URL: 'sqlite:/tmp/env.db' }).databaseUrl,
      'sqlite:/tmp/flag.db',
    );
  });

  it('names a bad flag value by the flag that was typed', () => {
    assert.throws(
      () => configFromFlags(['--body-limit', 'big']),
      (e: unknown) => e instanceof ConfigError && /^--body-limit: "big" is not a whole number/.test(e.message),
    );
  });

  it('gives every setting an environment variable, and no two settings one name', () => {
    assert.deepEqual(SETTINGS.map((s) => s.key).sort(), Object.keys(ConfigSchema.properties).sort());
    const envs = SETTINGS.map((s) => s.env);
    assert.ok(
      envs.every((e) => e !== undefined && /^CM_[A-Z0-9_]+$/.test(e)),
      `every setting has a CM_ variable: ${JSON.stringify(envs)}`,
    );
    assert.equal(new Set(envs).size, envs.length);
    const flags = SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []));
    assert.equal(new Set(flags).size, flags.length);
  });

  it('loads cli/serve.ts first without tripping over an import cycle through backfill', () => {
    // serve → backfill/scheduler → backfill/command used to import the flags back from serve,
    // so loading serve first (in a fresh process) read CONFIG_FLAGS before it was initialised.
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', "require('./service/src/cli/serve.ts')"], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
  });

  it('lists every flag in the usage of serve', () => {
    for (const [args] of FLAGS) assert.match(serveCommand.usage, new RegExp(`\\[${args[0]!}[ \\]]`));
  });

  it('has the table in service/README.md that `npm run docs:config` writes from the schema', () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(withConfigTable(readme), readme, 'service/README.md is out of date: run npm run docs:config');
  });

  it('writes one table row per setting with its flag, variable and default', () => {
    const rows = configTable()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    assert.equal(rows.length, SETTINGS.length);
    assert.ok(
      rows.some((r) => r.startsWith('| `migrateOnStart` | `--no-migrate` | `CM_MIGRATE_ON_START` | `true` |')),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => r.startsWith('| `tokens` | — | `CM_TOKENS` (JSON) | `[]` |')),
      rows.join('\n'),
    );
  });
});
