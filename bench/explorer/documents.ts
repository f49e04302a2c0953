/**
 * The two documents whose import `bench:explorer` measures, in the shapes the real tools print
 * (fields and nesting as in `test/fixtures/explorer/kubectl-list.json` and `trivy-web-api.json`,
 * whose origins that folder's README cites):
 * - a `kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,services,ingresses -A -o json`
 *   `List` of one cluster with `workloads` workloads;
 * - a `trivy image --format json` report of one image with `findings` vulnerabilities.
 */
import { imageDigest } from './shape';

type Json = Record<string, unknown>;

const CREATED = '2026-11-20T09:14:03Z';
const NAMESPACES = 100;

function metadata(namespace: string, name: string, labels: Record<string, string>, owner?: [string, string, string]): Json {
  return {
    creationTimestamp: CREATED,
    labels,
    name,
    namespace,
    resourceVersion: '11633695',
    uid: `uid-${namespace}-${name}`,
    ...(owner
      ? {
          ownerReferences: [
            {
              apiVersion: owner[0],
              blockOwnerDeletion: true,
              controller: true,
              kind: owner[1],
              name: owner[2],
              uid: `uid-${namespace}-${owner[2]}`,
            },
          ],
        }
      : {}),
  };
}

interface Container {
  name: string;
  image: string;
  imageID: string;
}

function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  owner: [string, string, string],
  containers: Container[],
  hostNetwork: boolean,
): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(namespace, name, labels, owner),
    spec: {
      containers: containers.map((c) => ({
        image: c.image,
        imagePullPolicy: 'IfNotPresent',
        name: c.name,
        ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      })),
      dnsPolicy: 'ClusterFirst',
      ...(hostNetwork ? { hostNetwork: true } : {}),
      nodeName: 'aks-nodepool1-31718369-vmss000000',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
    },
    status: {
      containerStatuses: containers.map((c, i) => ({
        containerID: `containerd://${name.length.toString(16).padStart(2, '0')}${i}`.padEnd(77, '0'),
        image: c.image,
        imageID: c.imageID,
        lastState: {},
        name: c.name,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2026-11-27T22:41:10Z' } },
      })),
      hostIP: '10.224.0.4',
      phase: 'Running',
      podIP: '10.244.1.2',
      qosClass: 'BestEffort',
      startTime: '2026-11-27T22:41:09Z',
    },
  };
}

function controller(
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  labels: Record<string, string>,
  spec: Json,
  owner?: [string, string, string],
): Json {
  return { apiVersion, kind, metadata: metadata(namespace, name, labels, owner), spec, status: { replicas: 2, readyReplicas: 2 } };
}

function service(
  namespace: string,
  name: string,
  type: string,
  selector: Record<string, string>,
  annotations?: Record<string, string>,
): Json {
  const item = controller(
    'v1',
    'Service',
    namespace,
    name,
    { app: name },
    {
      clusterIP: '10.0.4.10',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', ...(type === 'ClusterIP' ? {} : { nodePort: 31080 }) }],
      selector,
      sessionAffinity: 'None',
      type,
    },
  );
  if (annotations) (item.metadata as Json).annotations = annotations;
  item.status = type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: '20.76.112.4' }] } } : { loadBalancer: {} };
  return item;
}

/**
 * A cluster of `workloads` workloads in 100 namespaces: 7 in 10 Deployments (a ReplicaSet, 2 pods), then
 * StatefulSets (1 pod), DaemonSets (2 pods, hostNetwork) and CronJobs (a Job, 1 pod); every third runs a
 * sidecar. One Service per workload: a LoadBalancer for one in 5 (one in 5 of those internal), a NodePort
 * for one in 5, a ClusterIP for the rest, and one in 5 routed from its namespace's Ingress. Workload w
 * runs image `firstImage + 2w` (and the sidecar `firstImage + 2w + 1`).
 */
export function clusterList(workloads: number, firstImage: number): Json {
  const items: Json[] = [];
  const routed = new Map<string, string[]>();
  for (let w = 0; w < workloads; w++) {
    const ns = `team-${w % NAMESPACES}`;
    const name = `svc-${w}`;
    const labels = { app: name };
    const containers: Container[] = [
      {
        name: 'app',
        image: `contoso.azurecr.io/${ns}/${name}:1.${w % 9}`,
        imageID: `contoso.azurecr.io/${ns}/${name}@${imageDigest(firstImage + 2 * w)}`,
      },
    ];
    if (w % 3 === 0)
      containers.push({
        name: 'proxy',
        image: 'contoso.azurecr.io/platform/proxy:2.1',
        imageID: `contoso.azurecr.io/platform/proxy@${imageDigest(firstImage + 2 * w + 1)}`,
      });
    const template = { metadata: { labels }, spec: { containers: containers.map((c) => ({ image: c.image, name: c.name })) } };
    const kind = w % 10;
    if (kind < 7) {
      const rs = `${name}-7d9f8c6b5d`;
      const podLabels = { ...labels, 'pod-template-hash': '7d9f8c6b5d' };
      items.push(controller('apps/v1', 'Deployment', ns, name, labels, { replicas: 2, selector: { matchLabels: labels }, template }));
      items.push(
        controller('apps/v1', 'ReplicaSet', ns, rs, podLabels, { replicas: 2, selector: { matchLabels: podLabels }, template }, [
          'apps/v1',
          'Deployment',
          name,
        ]),
      );
      for (const suffix of ['x2k9p', 'q7m4z'])
        items.push(pod(ns, `${rs}-${suffix}`, podLabels, ['apps/v1', 'ReplicaSet', rs], containers, false));
    } else if (kind === 7) {
      items.push(
        controller('apps/v1', 'StatefulSet', ns, name, labels, {
          replicas: 1,
          serviceName: name,
          selector: { matchLabels: labels },
          template,
        }),
      );
      items.push(pod(ns, `${name}-0`, labels, ['apps/v1', 'StatefulSet', name], containers, false));
    } else if (kind === 8) {
      items.push(controller('apps/v1', 'DaemonSet', ns, name, labels, { selector: { matchLabels: labels }, template }));
      for (const suffix of ['8fk2d', 'r5t9w'])
        items.push(pod(ns, `${name}-${suffix}`, labels, ['apps/v1', 'DaemonSet', name], containers, true));
    } else {
      const job = `${name}-29406240`;
      items.push(controller('batch/v1', 'CronJob', ns, name, labels, { schedule: '0 2 * * *', jobTemplate: { spec: { template } } }));
      items.push(controller('batch/v1', 'Job', ns, job, labels, { template }, ['batch/v1', 'CronJob', name]));
      items.push(pod(ns, `${job}-hx4vn`, labels, ['batch/v1', 'Job', job], containers, false));
    }
    const lb = w % 5 === 0;
    const internal = w % 25 === 0 ? { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } : undefined;
    items.push(service(ns, name, lb ? 'LoadBalancer' : w % 5 === 2 ? 'NodePort' : 'ClusterIP', labels, lb ? internal : undefined));
    if (w % 5 === 1) routed.set(ns, [...(routed.get(ns) ?? []), name]);
  }
  for (const [ns, services] of routed) {
    items.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: metadata(ns, 'edge', {}),
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: `${ns}.contoso.com`,
            http: {
              paths: services.map((s) => ({ backend: { service: { name: s, port: { number: 80 } } }, path: `/${s}`, pathType: 'Prefix' })),
            },
          },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '20.76.113.7' }] } },
    });
  }
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'MEDIUM', 'LOW', 'LOW', 'LOW', 'UNKNOWN'];

/** A Trivy report (`SchemaVersion` 2) of image `image` with `findings` vulnerabilities over 1,000-finding package targets. */
export function trivyReport(image: number, findings: number): Json {
  const digest = imageDigest(image);
  const results: Json[] = [];
  for (let start = 0; start < findings; start += 1000) {
    const vulnerabilities: Json[] = [];
    for (let v = start; v < Math.min(findings, start + 1000); v++) {
      const pkg = `lib-${v % 997}`;
      vulnerabilities.push({
        VulnerabilityID: `CVE-${2015 + (v % 10)}-${10000 + v}`,
        PkgID: `${pkg}@1.${v % 13}.0`,
        PkgName: pkg,
        InstalledVersion: `1.${v % 13}.0`,
        ...(v % 3 === 0 ? {} : { FixedVersion: `1.${v % 13}.1` }),
        Status: v % 3 === 0 ? 'affected' : 'fixed',
        SeveritySource: 'nvd',
        PrimaryURL: `https://avd.aquasec.com/nvd/cve-${2015 + (v % 10)}-${10000 + v}`,
        Title: `${pkg}: a synthetic vulnerability for the benchmark`,
        Severity: SEVERITIES[v % SEVERITIES.length],
        References: [`https://nvd.nist.gov/vuln/detail/CVE-${2015 + (v % 10)}-${10000 + v}`],
      });
    }
    results.push({
      Target: `usr/lib/app-${start / 1000}/package-lock.json`,
      Class: 'lang-pkgs',
      Type: 'npm',
      Vulnerabilities: vulnerabilities,
    });
  }
  return {
    SchemaVersion: 2,
    CreatedAt: '2026-11-28T09:14:03.512817204Z',
    ArtifactName: `127.0.0.1:5000/bench/app:${image}`,
    ArtifactType: 'container_image',
    Metadata: {
      OS: { Family: 'debian', Name: '12.2' },
      ImageID: `sha256:${'c'.repeat(64)}`,
      DiffIDs: [`sha256:${'d'.repeat(64)}`],
      RepoTags: [`127.0.0.1:5000/bench/app:${image}`],
      RepoDigests: [`127.0.0.1:5000/bench/app@${digest}`],
      ImageConfig: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'d'.repeat(64)}`] }, config: {} },
    },
    Results: results,
  };
}
