/** `container-mapping serve`: starts the service; prints `listening on <url>` as its one stdout line. */
import { parseArgs } from 'node:util';
import { buildApp } from '../app';
import { loadConfig, type ServiceConfig } from '../config';
import { ConfigError } from '../config';
import { createAzureDevOpsSource } from '../backfill/azureDevOpsSource';
import { startScheduledBackfill, type ScheduledBackfill } from '../backfill/scheduler';
import type { Command } from './command';

/** Flags shared by `serve` and `migrate`, and the setting each sets. */
export const CONFIG_FLAGS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  database: { type: 'string' },
  'log-level': { type: 'string' },
  'body-limit': { type: 'string' },
  'request-timeout-ms': { type: 'string' },
  'connection-timeout-ms': { type: 'string' },
  'ambiguity-window-ms': { type: 'string' },
  'read-open': { type: 'boolean' },
  'no-migrate': { type: 'boolean' },
  'backfill-interval-minutes': { type: 'string' },
} as const;

/** Turns parsed flags into config sources. */
export function flagsToSettings(values: Record<string, string | boolean | undefined>): Partial<Record<keyof ServiceConfig, string>> {
  const out: Partial<Record<keyof ServiceConfig, string>> = {};
  const map: Record<string, keyof ServiceConfig> = {
    host: 'host', port: 'port', database: 'databaseUrl', 'log-level': 'logLevel', 'body-limit': 'bodyLimit',
    'ambiguity-window-ms': 'ambiguityWindowMs', 'backfill-interval-minutes': 'backfillIntervalMinutes',
    'request-timeout-ms': 'requestTimeoutMs', 'connection-timeout-ms': 'connectionTimeoutMs',
  };
  for (const [flag, key] of Object.entries(map)) {
    const value = values[flag];
    if (typeof value === 'string') out[key] = value;
  }
  if (values['read-open'] === true) out.readOpen = 'true';
  if (values['no-migrate'] === true) out.migrateOnStart = 'false';
  return out;
}

export const serveCommand: Command = {
  summary: 'start the HTTP service',
  usage:
    'serve [--config file.json] [--host 0.0.0.0] [--port 8080] [--database sqlite:./data/mappings.db|postgres://…] ' +
    '[--log-level info] [--body-limit bytes] [--request-timeout-ms 30000] [--connection-timeout-ms 60000] [--ambiguity-window-ms 1500] [--read-open] [--no-migrate] ' +
    '[--backfill-interval-minutes N]',
  async run(args, io) {
    const { values } = parseArgs({ args, options: CONFIG_FLAGS, strict: true, allowPositionals: false });
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: io.env, flags: flagsToSettings(values) });
    const backfillToken = io.env.CM_BACKFILL_TOKEN;
    if (config.backfillIntervalMinutes > 0 && (config.backfillSources.length === 0 || !backfillToken)) {
      throw new ConfigError('the scheduled backfill needs backfillSources (CM_BACKFILL_SOURCES) and a PAT in CM_BACKFILL_TOKEN');
    }
    const app = await buildApp({ config, logStream: process.stderr });
    if (config.organizations.length === 0 && config.tokens.filter((t) => t.scopes.includes('ingest')).length === 0) {
      app.log.warn('no OIDC organisation and no ingest token configured: every report will be refused (see service/README.md)');
    }
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    io.out(`listening on http://${host}:${port}`);
    let backfill: ScheduledBackfill | undefined;
    if (config.backfillIntervalMinutes > 0 && backfillToken) {
      backfill = startScheduledBackfill({
        store: app.store,
        sources: config.backfillSources,
        openSource: (s) => createAzureDevOpsSource({ organizationUrl: s.organizationUrl, project: s.project, token: backfillToken }),
        intervalMs: config.backfillIntervalMinutes * 60_000,
        lookbackMs: config.backfillLookbackHours * 3_600_000,
        ambiguityWindowMs: config.ambiguityWindowMs,
        log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
      });
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await backfill?.stop();
    await app.close();
    return 0;
  },
};
