/** `container-mapping serve`: starts the service; prints `listening on <url>` as its one stdout line. */
import { parseArgs } from 'node:util';
import { buildApp } from '../app';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../config';
import { createAzureDevOpsSource } from '../backfill/azureDevOpsSource';
import { startScheduledBackfill, type ScheduledBackfill } from '../backfill/scheduler';
import { startScheduledSync, type ScheduledSync } from '../explorer/scheduled/scheduler';
import { createKubernetesLister } from '../explorer/sync/kubernetesLister';
import type { Command } from './command';
import { CONFIG_FLAGS, configFlagsUsage, flagsToSettings } from './configFlags';

export const serveCommand: Command = {
  summary: 'start the HTTP service',
  usage: `serve [--config file.json] ${configFlagsUsage(DEFAULT_CONFIG)}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: CONFIG_FLAGS, strict: true, allowPositionals: false });
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: io.env, flags: flagsToSettings(values) });
    const backfillToken = io.env.CM_BACKFILL_TOKEN;
    if (config.backfillIntervalMinutes > 0 && (config.backfillSources.length === 0 || !backfillToken)) {
      throw new ConfigError('the scheduled backfill needs backfillSources (CM_BACKFILL_SOURCES) and a PAT in CM_BACKFILL_TOKEN');
    }
    const app = await buildApp({ config, logStream: process.stderr });
    const oidcSources = config.organizations.length + config.githubOwners.length;
    if (oidcSources === 0 && config.tokens.filter((t) => t.scopes.includes('ingest')).length === 0) {
      app.log.warn(
        'no OIDC organisation, no GitHub owner and no ingest token configured: every report will be refused (see service/README.md)',
      );
    }
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const host =
      config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
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
    let sync: ScheduledSync | undefined;
    if (config.kubernetesSyncs.length > 0) {
      sync = startScheduledSync({
        store: app.store,
        syncs: config.kubernetesSyncs,
        openLister: (s) =>
          createKubernetesLister(
            s.inCluster === true
              ? { from: 'in-cluster' }
              : s.kubeconfig !== undefined
                ? { from: 'kubeconfig', file: s.kubeconfig, context: s.context }
                : { from: 'default', context: s.context },
            s.requestTimeoutSeconds !== undefined ? { requestTimeoutSeconds: s.requestTimeoutSeconds } : {},
          ),
        log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
        // After the commit, in the background, as after an import (see explorer/registry/lookup.ts).
        afterSnapshot: (cluster) => void app.registryLookup?.afterSnapshot(cluster),
      });
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await backfill?.stop();
    await sync?.stop();
    await app.close();
    return 0;
  },
};
