/**
 * A kubectl List and a Trivy report for images of one's own, in the shapes the tools print them, so that
 * `npm run demo` and the end-to-end test (`test/e2e/exposedToRun.e2e.test.ts`) can import a cluster that runs
 * the digest they just pushed, and findings for it. Pure: it builds JSON values; the callers write them.
 *
 * Shapes followed (as in `test/fixtures/explorer/`, whose README gives their origins): the `v1` `List` of
 * `kubectl get pods,replicasets,deployments,services,ingresses -A -o json` (Kubernetes API reference v1.31:
 * Deployment → ReplicaSet → Pod through `metadata.ownerReferences[]` with `controller: true`; a containerd
 * node's `status.containerStatuses[].imageID` is `repository@sha256:…`; Service `spec.type`/`selector`/`ports`;
 * networking.k8s.io/v1 Ingress) and Trivy 0.58 `trivy image --format json` (schema version 2;
 * aquasecurity/trivy `pkg/types/report.go`: `Metadata.RepoDigests` names the manifest digest).
 */
import { createHash } from 'node:crypto';

/** One Deployment, with one ReplicaSet and one Running pod that runs `image` at `digest`. */
export interface ClusterWorkload {
  namespace: string;
  /** The Deployment's name, also its `app` label and its Service's name. */
  name: string;
  /** The reference in the pod spec, e.g. `127.0.0.1:5000/demo/web-api:1.0.3`. */
  image: string;
  /** The manifest digest the node pulled (`sha256:…`). */
  digest: string;
  /** How its Service is reached: a public `LoadBalancer`, an Ingress for a host, or only inside the cluster (`ClusterIP`). */
  exposure: 'LoadBalancer' | 'ClusterIP' | { ingressHost: string };
}

/** A finding as Trivy lists it under `Results[].Vulnerabilities[]`. */
export interface TrivyFinding {
  id: string;
  packageName: string;
  installedVersion: string;
  fixedVersion?: string;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';
  title: string;
}

/** A stable UUID-shaped id for an object's `metadata.uid` (the API server's are random; these repeat per name). */
function uid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('/')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A short lowercase suffix like the ReplicaSet's pod-template-hash and the pod's random name part. */
function suffix(length: number, ...parts: string[]): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = createHash('sha256').update(parts.join('/')).digest();
  return [...bytes.subarray(0, length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** `registry/repository:tag` or `…@digest` → `registry/repository`. */
export function repositoryOf(reference: string): string {
  const name = reference.split('@')[0] ?? reference;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > lastSlash ? name.slice(0, colon) : name;
}

function meta(w: ClusterWorkload, kind: string, name: string, created: string, extra: Record<string, unknown> = {}) {
  return { creationTimestamp: created, name, namespace: w.namespace, resourceVersion: '4711', uid: uid(w.namespace, kind, name), ...extra };
}

function owner(w: ClusterWorkload, kind: string, name: string) {
  return [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind, name, uid: uid(w.namespace, kind, name) }];
}

function workloadItems(w: ClusterWorkload, created: string): object[] {
  const hash = suffix(10, w.namespace, w.name, w.digest);
  const replicaSet = `${w.name}-${hash}`;
  const pod = `${replicaSet}-${suffix(5, replicaSet)}`;
  const labels = { app: w.name };
  const podLabels = { app: w.name, 'pod-template-hash': hash };
  const container = {
    image: w.image,
    imagePullPolicy: 'IfNotPresent',
    name: w.name,
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
  };
  const template = { metadata: { labels: podLabels }, spec: { containers: [container], restartPolicy: 'Always' } };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(w, 'Deployment', w.name, created, { generation: 1, labels }),
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { ...template, metadata: { labels } } },
      status: { availableReplicas: 1, observedGeneration: 1, readyReplicas: 1, replicas: 1, updatedReplicas: 1 },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta(w, 'ReplicaSet', replicaSet, created, { labels: podLabels, ownerReferences: owner(w, 'Deployment', w.name) }),
      spec: { replicas: 1, selector: { matchLabels: podLabels }, template },
      status: { availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1, readyReplicas: 1, replicas: 1 },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(w, 'Pod', pod, created, { labels: podLabels, ownerReferences: owner(w, 'ReplicaSet', replicaSet) }),
      spec: { ...template.spec, nodeName: 'aks-nodepool1-31718369-vmss000000', serviceAccountName: 'default' },
      status: {
        containerStatuses: [
          {
            containerID: `containerd://${createHash('sha256').update(pod).digest('hex')}`,
            image: w.image,
            imageID: `${repositoryOf(w.image)}@${w.digest}`,
            lastState: {},
            name: w.name,
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: created } },
          },
        ],
        phase: 'Running',
        qosClass: 'BestEffort',
        startTime: created,
      },
    },
  ];
}

function serviceItems(w: ClusterWorkload, created: string, index: number): object[] {
  const publicLoadBalancer = w.exposure === 'LoadBalancer';
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(w, 'Service', w.name, created, { labels: { app: w.name } }),
    spec: {
      clusterIP: `10.0.4.${10 + index}`,
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', ...(publicLoadBalancer ? { nodePort: 31080 + index } : {}) }],
      selector: { app: w.name },
      sessionAffinity: 'None',
      type: publicLoadBalancer ? 'LoadBalancer' : 'ClusterIP',
    },
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): an address for documentation, never reached.
    status: { loadBalancer: publicLoadBalancer ? { ingress: [{ ip: `203.0.113.${10 + index}`, ipMode: 'VIP' }] } : {} },
  };
  if (typeof w.exposure === 'string') return [service];
  const rule = {
    host: w.exposure.ingressHost,
    http: { paths: [{ backend: { service: { name: w.name, port: { number: 80 } } }, path: '/', pathType: 'Prefix' }] },
  };
  const ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(w, 'Ingress', w.name, created),
    spec: { ingressClassName: 'webapprouting.kubernetes.azure.com', rules: [rule] },
    status: { loadBalancer: { ingress: [{ ip: `203.0.113.${100 + index}` }] } },
  };
  return [service, ingress];
}

/** The `v1` `List` kubectl prints for a cluster that runs `workloads`, each behind its Service (and Ingress). */
export function kubectlList(workloads: readonly ClusterWorkload[], createdAt: Date): object {
  const created = createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    items: [...workloads.flatMap((w) => workloadItems(w, created)), ...workloads.flatMap((w, i) => serviceItems(w, created, i))],
    kind: 'List',
    metadata: { resourceVersion: '' },
  };
}

/** `trivy image --format json` for `reference`, pulled from its registry at `digest`, with `findings` in one Go binary. */
export function trivyReport(reference: string, digest: string, findings: readonly TrivyFinding[], scannedAt: Date): object {
  return {
    SchemaVersion: 2,
    CreatedAt: scannedAt.toISOString(),
    ArtifactName: reference,
    ArtifactType: 'container_image',
    Metadata: {
      RepoTags: [reference],
      RepoDigests: [`${repositoryOf(reference)}@${digest}`],
      ImageConfig: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' }, config: {} },
    },
    Results: [
      {
        Target: 'app/server',
        Class: 'lang-pkgs',
        Type: 'gobinary',
        Vulnerabilities: findings.map((f) => ({
          VulnerabilityID: f.id,
          PkgID: `${f.packageName}@v${f.installedVersion}`,
          PkgName: f.packageName,
          InstalledVersion: `v${f.installedVersion}`,
          ...(f.fixedVersion ? { FixedVersion: f.fixedVersion, Status: 'fixed' } : { Status: 'affected' }),
          SeveritySource: 'ghsa',
          PrimaryURL: `https://avd.aquasec.com/nvd/${f.id.toLowerCase()}`,
          Title: f.title,
          Severity: f.severity,
        })),
      },
    ],
    Trivy: { Version: '0.58.1' },
  };
}
