/**
 * `container-mapping sync kubernetes`: reads a cluster live (kubeconfig or the in-cluster service account) into the
 * `v1` `List` that `kubectl get … -A -o json` prints, writes it (`--output`) or sends it to the service as the
 * cluster's snapshot (`--url`/CM_URL, `--token`/CM_TOKEN), and prints a one-line summary of its snapshot to
 * stderr. Arguments and I/O only: the reading is `explorer/sync/`, the snapshot `explorer/kubernetes/`.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isInternetExposed, type ClusterSnapshot } from '../explorer/kubernetes/model';
import { buildClusterSnapshot } from '../explorer/kubernetes/snapshot';
import { createKubernetesLister, DEFAULT_LIST_TIMEOUT_SECONDS, type ClusterAccess } from '../explorer/sync/kubernetesLister';
import { DEFAULT_PAGE_SIZE, readCluster } from '../explorer/sync/readCluster';
import { UsageError, type Command, type CommandIo } from './command';
import { sendSnapshot } from './import';
import { formatSnapshotImport } from './importSummary';
import { serviceTarget, targetGiven } from './send';

const FLAGS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'in-cluster': { type: 'boolean' },
  cluster: { type: 'string' },
  output: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'page-size': { type: 'string' },
  'request-timeout': { type: 'string' },
} as const;

export const syncCommand: Command = {
  summary: 'read a Kubernetes cluster live into the List that `import kubernetes` reads, and write or send it',
  usage:
    'sync kubernetes --cluster NAME (--output FILE|- | [--url URL (or CM_URL)] [--token T (or CM_TOKEN)]) ' +
    `[--kubeconfig FILE [--context NAME] | --in-cluster] [--page-size N (default ${DEFAULT_PAGE_SIZE})] ` +
    `[--request-timeout SECONDS (per list call, default ${DEFAULT_LIST_TIMEOUT_SECONDS})]   ` +
    '(without --kubeconfig: $KUBECONFIG, ~/.kube/config, then the in-cluster service account; ' +
    'with --output the List is written, otherwise sent to the service as the snapshot of --cluster)',
  async run(args: string[], io: CommandIo) {
    const { values, positionals } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true });
    if (positionals.length !== 1 || positionals[0] !== 'kubernetes') {
      throw new UsageError(`expected the source "kubernetes", got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
    }
    if (!values.cluster) throw new UsageError('--cluster is required: the name the snapshot is kept under');
    if (values.output !== undefined && (values.url !== undefined || values.token !== undefined)) {
      throw new UsageError('--output writes the List, --url and --token send it: give one or the other');
    }
    if (!values.output && !targetGiven(values, io)) {
      throw new UsageError('--output FILE|- (write the List) or --url / CM_URL (send it to the service) is required');
    }
    if (values['in-cluster'] && (values.kubeconfig !== undefined || values.context !== undefined)) {
      throw new UsageError('--in-cluster reads the pod service account: it takes neither --kubeconfig nor --context');
    }
    const pageSize = values['page-size'] === undefined ? DEFAULT_PAGE_SIZE : Number(values['page-size']);
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new UsageError(`--page-size "${values['page-size']}" is not a positive integer`);

    const timeoutText = values['request-timeout'];
    const requestTimeoutSeconds = timeoutText === undefined ? DEFAULT_LIST_TIMEOUT_SECONDS : Number(timeoutText);
    if (!/^\d+$/.test(timeoutText ?? '60') || requestTimeoutSeconds < 1 || requestTimeoutSeconds > 3600)
      throw new UsageError(`--request-timeout "${timeoutText}" is not a whole number of seconds from 1 to 3600`);

    const access: ClusterAccess = values['in-cluster']
      ? { from: 'in-cluster' }
      : values.kubeconfig !== undefined
        ? { from: 'kubeconfig', file: values.kubeconfig, context: values.context }
        : { from: 'default', context: values.context };
    const lister = await createKubernetesLister(access, { requestTimeoutSeconds });
    // Reading takes a while (one consistent list per resource): the snapshot is dated when it started, so that it
    // never looks newer than any part of it.
    const takenAt = new Date();
    const { list, notInstalled } = await readCluster(lister, pageSize);
    // The snapshot is built here too: a List it cannot read fails now, not at import.
    const snapshot = buildClusterSnapshot(list);

    if (!values.output) {
      const answer = await sendSnapshot(serviceTarget(values, io), values.cluster, JSON.stringify(list), takenAt);
      io.err(formatSyncSummary(values.cluster, lister.server, snapshot, notInstalled));
      io.out(`sent: ${formatSnapshotImport(answer)}`);
      return 0;
    }
    const text = JSON.stringify(list, null, 2);
    if (values.output === '-') io.out(text);
    else await writeFile(values.output, `${text}\n`);
    io.err(formatSyncSummary(values.cluster, lister.server, snapshot, notInstalled));
    return 0;
  },
};

/** `cluster prod (https://…): 12 workloads, 3 internet-exposed, 1 unresolved image; not installed: …`. */
export function formatSyncSummary(cluster: string, server: string, snapshot: ClusterSnapshot, notInstalled: readonly string[]): string {
  const exposed = snapshot.workloads.filter(isInternetExposed).length;
  const unresolved = snapshot.workloads.flatMap((w) => w.images).filter((image) => !image.resolved).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const absent = notInstalled.length > 0 ? `; not installed: ${notInstalled.join(', ')}` : '';
  return (
    `cluster ${cluster} (${server}): ${plural(snapshot.workloads.length, 'workload')}, ${exposed} internet-exposed, ` +
    `${plural(unresolved, 'unresolved image')}${absent}`
  );
}
