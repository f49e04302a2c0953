/**
 * Large import files written on the fly into a temporary folder (never committed): a kubectl `List` of thousands
 * of Deployments, ReplicaSets, Pods and Services in the shape `kubectl get … -A -o json` prints (kubectl leaves
 * managedFields out by default; `kubectl apply` leaves its last-applied-configuration annotation), and a Trivy
 * JSON report (schema version 2, the shape of aquasecurity/trivy `pkg/types/report.go`) with tens of thousands of
 * findings, each with the description, references, CVSS and data source Trivy prints.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

/** A digest that is a function of `seed`. */
export function digestOf(seed: string): string {
  return 'sha256:' + createHash('sha256').update(seed).digest('hex');
}

/**
 * Pretty-prints `value` once and returns a function that fills its `@@NAME@@` placeholders: writing hundreds of
 * megabytes of JSON by stringifying every object would take longer than importing it.
 */
function template(value: unknown, indent: string): (values: Readonly<Record<string, string>>) => string {
  const parts = (JSON.stringify(value, null, 2) ?? '').replace(/^/gm, indent).split(/@@([A-Z_]+)@@/);
  return (values) => {
    let text = '';
    parts.forEach((part, i) => (text += i % 2 === 0 ? part : (values[part] ?? `@@${part}@@`)));
    return text;
  };
}

/** Writes text pieces to a file in ~1 MiB writes; returns the bytes written. */
class FileWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingLength = 0;
  bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= 1 << 20) this.flush();
  }

  flush(): void {
    const buffer = Buffer.from(this.pending.join(''));
    writeSync(this.fd, buffer);
    this.bytes += buffer.length;
    this.pending = [];
    this.pendingLength = 0;
  }

  close(): number {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }
}

/** What a generated cluster holds, to check what the service stored. */
export interface GeneratedCluster {
  bytes: number;
  /** Deployments, each with one ReplicaSet, `podsPerApp` Running pods and one Service. */
  apps: number;
  items: number;
  /** Apps behind a public LoadBalancer Service. */
  internetExposed: number;
  /** The digest the first (exposed) app runs: the one {@link writeTrivyReport} scans. */
  scannedDigest: string;
}

const NAMESPACES = 40;

function uid(seed: string): string {
  const h = createHash('md5').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The placeholders of one app's objects; {@link appValues} gives their values. */
const APP = {
  name: '@@APP@@',
  namespace: '@@NS@@',
  hash: '@@HASH@@',
  image: '@@IMAGE@@',
  repository: '@@REPOSITORY@@',
  digest: '@@DIGEST@@',
};

function appValues(n: number): Record<string, string> {
  const name = `app-${String(n).padStart(5, '0')}`;
  const namespace = `team-${String(n % NAMESPACES).padStart(2, '0')}`;
  const repository = `registry.example.com/${namespace}/${name}`;
  return {
    APP: name,
    NS: namespace,
    HASH: createHash('md5').update(name).digest('hex').slice(0, 10),
    IMAGE: `${repository}:1.${n % 50}.${n % 7}`,
    REPOSITORY: repository,
    DIGEST: digestOf(name),
    UID_DEPLOY: uid(`deploy/${name}`),
    UID_RS: uid(`rs/${name}`),
    UID_SVC: uid(`svc/${name}`),
  };
}

function podTemplate(app: typeof APP): { metadata: object; spec: object } {
  return {
    metadata: { labels: { app: app.name, 'app.kubernetes.io/part-of': 'shop' }, annotations: { 'prometheus.io/scrape': 'true' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: app.image,
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'DATABASE_URL', value: `postgres://${app.name}:not-a-real-secret@db.${app.namespace}.svc:5432/${app.name}` },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          ],
          ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
          resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
            failureThreshold: 3,
            periodSeconds: 10,
            successThreshold: 1,
            timeoutSeconds: 1,
          },
          readinessProbe: {
            httpGet: { path: '/readyz', port: 8080, scheme: 'HTTP' },
            failureThreshold: 3,
            periodSeconds: 5,
            successThreshold: 1,
            timeoutSeconds: 1,
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          volumeMounts: [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'kube-api-access', readOnly: true }],
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      serviceAccountName: app.name,
      terminationGracePeriodSeconds: 30,
    },
  };
}

function deployment(app: typeof APP): object {
  const template = podTemplate(app);
  const applied = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app.name, namespace: app.namespace }, spec: { template } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: {
        'deployment.kubernetes.io/revision': '3',
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) + '\n',
      },
      creationTimestamp: '2026-11-02T08:00:00Z',
      generation: 3,
      labels: { app: app.name },
      name: app.name,
      namespace: app.namespace,
      resourceVersion: '9120331',
      uid: '@@UID_DEPLOY@@',
    },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 3,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: app.name } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template,
    },
    status: {
      availableReplicas: 3,
      conditions: [
        {
          lastTransitionTime: '2026-11-02T08:00:40Z',
          lastUpdateTime: '2026-11-02T08:00:40Z',
          message: 'Deployment has minimum availability.',
          reason: 'MinimumReplicasAvailable',
          status: 'True',
          type: 'Available',
        },
        {
          lastTransitionTime: '2026-11-02T08:00:00Z',
          lastUpdateTime: '2026-11-20T10:01:12Z',
          message: `ReplicaSet "${app.name}-${app.hash}" has successfully progressed.`,
          reason: 'NewReplicaSetAvailable',
          status: 'True',
          type: 'Progressing',
        },
      ],
      observedGeneration: 3,
      readyReplicas: 3,
      replicas: 3,
      updatedReplicas: 3,
    },
  };
}

function replicaSet(app: typeof APP): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      annotations: {
        'deployment.kubernetes.io/desired-replicas': '3',
        'deployment.kubernetes.io/max-replicas': '4',
        'deployment.kubernetes.io/revision': '3',
      },
      labels: { app: app.name, 'pod-template-hash': app.hash },
      name: `${app.name}-${app.hash}`,
      namespace: app.namespace,
      ownerReferences: [
        { apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'Deployment', name: app.name, uid: '@@UID_DEPLOY@@' },
      ],
      uid: '@@UID_RS@@',
    },
    spec: { replicas: 3, selector: { matchLabels: { app: app.name, 'pod-template-hash': app.hash } }, template: podTemplate(app) },
    status: { availableReplicas: 3, fullyLabeledReplicas: 3, observedGeneration: 3, readyReplicas: 3, replicas: 3 },
  };
}

/** A Running pod of the app; `@@POD@@` is its name suffix, `@@N@@` varies its node and addresses. */
function pod(app: typeof APP): object {
  const name = `${app.name}-${app.hash}-@@POD@@`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      annotations: { 'prometheus.io/scrape': 'true', 'kubectl.kubernetes.io/restartedAt': '2026-11-20T10:00:00Z' },
      creationTimestamp: '2026-11-20T10:01:00Z',
      generateName: `${app.name}-${app.hash}-`,
      labels: { app: app.name, 'app.kubernetes.io/part-of': 'shop', 'pod-template-hash': app.hash },
      name,
      namespace: app.namespace,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          blockOwnerDeletion: true,
          controller: true,
          kind: 'ReplicaSet',
          name: `${app.name}-${app.hash}`,
          uid: '@@UID_RS@@',
        },
      ],
      resourceVersion: '9120400',
      uid: `@@UID_RS@@-@@POD@@`,
    },
    spec: { ...podTemplate(app).spec, nodeName: 'aks-nodepool1-@@N@@-vmss000000', priority: 0, enableServiceLinks: true },
    status: {
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        lastProbeTime: null,
        lastTransitionTime: '2026-11-20T10:01:05Z',
        status: 'True',
        type,
      })),
      containerStatuses: [
        {
          containerID: `containerd://@@HASH@@@@POD@@`,
          image: app.image,
          imageID: `${app.repository}@${app.digest}`,
          lastState: {},
          name: 'app',
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: '2026-11-20T10:01:03Z' } },
        },
      ],
      hostIP: '10.224.0.@@N@@',
      phase: 'Running',
      podIP: '10.244.@@N@@.7',
      qosClass: 'Burstable',
      startTime: '2026-11-20T10:01:00Z',
    },
  };
}

function service(app: typeof APP, type: 'LoadBalancer' | 'ClusterIP', internal: boolean): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      annotations: internal ? { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } : {},
      labels: { app: app.name },
      name: app.name,
      namespace: app.namespace,
      uid: '@@UID_SVC@@',
    },
    spec: {
      clusterIP: '10.0.12.34',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', ...(type === 'LoadBalancer' ? { nodePort: 30080 } : {}) }],
      selector: { app: app.name },
      sessionAffinity: 'None',
      type,
    },
    status: { loadBalancer: type === 'LoadBalancer' && !internal ? { ingress: [{ ip: '20.50.0.1' }] } : {} },
  };
}

const ITEM_INDENT = '        ';
const KUBERNETES_TEMPLATES = {
  deployment: template(deployment(APP), ITEM_INDENT),
  replicaSet: template(replicaSet(APP), ITEM_INDENT),
  pod: template(pod(APP), ITEM_INDENT),
  publicService: template(service(APP, 'LoadBalancer', false), ITEM_INDENT),
  internalService: template(service(APP, 'LoadBalancer', true), ITEM_INDENT),
  clusterService: template(service(APP, 'ClusterIP', false), ITEM_INDENT),
};

/**
 * Writes a kubectl List of about `targetBytes` (pretty-printed, as kubectl prints it): apps of one Deployment,
 * one ReplicaSet, `podsPerApp` Running pods and one Service each. Every fourth app has a public LoadBalancer,
 * every eighth an internal one (not exposed); the first app is always public.
 */
export function writeKubectlList(path: string, targetBytes: number, podsPerApp = 3): GeneratedCluster {
  const out = new FileWriter(path);
  out.write('{\n    "apiVersion": "v1",\n    "items": [\n');
  let apps = 0;
  let items = 0;
  let internetExposed = 0;
  let approximate = 0;
  const add = (text: string) => {
    out.write((items === 0 ? '' : ',\n') + text);
    approximate += text.length + 2;
    items += 1;
  };
  while (approximate < targetBytes) {
    const values = appValues(apps);
    const publicLb = apps % 4 === 0;
    const internalLb = !publicLb && apps % 8 === 1;
    add(KUBERNETES_TEMPLATES.deployment(values));
    add(KUBERNETES_TEMPLATES.replicaSet(values));
    for (let n = 0; n < podsPerApp; n++) {
      add(KUBERNETES_TEMPLATES.pod({ ...values, POD: `p${n}x${apps % 1000}`, N: String((apps + n) % 250) }));
    }
    const service = publicLb ? 'publicService' : internalLb ? 'internalService' : 'clusterService';
    add(KUBERNETES_TEMPLATES[service](values));
    if (publicLb) internetExposed += 1;
    apps += 1;
  }
  out.write('\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n');
  return { bytes: out.close(), apps, items, internetExposed, scannedDigest: appValues(0).DIGEST! };
}

/** What a generated Trivy report holds. */
export interface GeneratedReport {
  bytes: number;
  findings: number;
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
const LOREM =
  'A flaw was found in the way the library parses crafted input. A remote attacker could use this flaw to cause a denial of service ' +
  'or possibly execute arbitrary code with the privileges of the process that uses the library, when it handles untrusted data ' +
  'received over the network. The issue affects every version before the fixed one listed by the distribution. ';

function finding(fixed: boolean): object {
  return {
    VulnerabilityID: '@@ID@@',
    VendorIDs: ['DSA-@@N@@-1'],
    PkgID: '@@PKG@@@@@VERSION@@',
    PkgName: '@@PKG@@',
    PkgIdentifier: { PURL: 'pkg:deb/debian/@@PKG@@@@@VERSION@@?arch=amd64&distro=debian-12.2', UID: '@@N@@f00d' },
    InstalledVersion: '@@VERSION@@',
    ...(fixed ? { FixedVersion: '@@VERSION@@+deb12u1' } : {}),
    Status: fixed ? 'fixed' : 'affected',
    Layer: { Digest: digestOf('layer'), DiffID: digestOf('diff') },
    SeveritySource: 'nvd',
    PrimaryURL: 'https://avd.aquasec.com/nvd/@@ID@@',
    DataSource: { ID: 'debian', Name: 'Debian Security Tracker', URL: 'https://salsa.debian.org/security-tracker-team/security-tracker' },
    Title: '@@PKG@@: crafted input leads to a heap buffer overflow in the parser',
    Description: LOREM + LOREM + '(@@ID@@, entry @@N@@.)',
    Severity: '@@SEVERITY@@',
    CweIDs: ['CWE-787', 'CWE-125'],
    VendorSeverity: { debian: 2, nvd: 3, redhat: 2, ghsa: 3 },
    CVSS: {
      nvd: { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 9.8, V2Vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', V2Score: 7.5 },
      redhat: { V3Vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 8.1 },
    },
    References: Array.from({ length: 12 }, (_, r) => `https://security.example.org/advisories/@@ID@@/reference-${r}?source=nvd&lang=en`),
    PublishedDate: '2024-03-11T15:15:00Z',
    LastModifiedDate: '2026-10-02T09:30:00Z',
  };
}

const FINDING_INDENT = '        ';
const FINDINGS = [template(finding(true), FINDING_INDENT), template(finding(false), FINDING_INDENT)] as const;

function findingText(n: number): string {
  return FINDINGS[n % 2]!({
    ID: `CVE-${2015 + (n % 11)}-${100000 + n}`,
    N: String(n),
    PKG: `lib-${n % 997}`,
    VERSION: `1.${n % 40}.${n % 9}-1`,
    SEVERITY: SEVERITIES[n % SEVERITIES.length]!,
  });
}

/**
 * Writes a Trivy report of about `targetBytes` for the image `digest`: findings with distinct CVE ids, spread over
 * an OS result and two language results, every field Trivy prints.
 */
export function writeTrivyReport(path: string, targetBytes: number, digest: string): GeneratedReport {
  const out = new FileWriter(path);
  const head = {
    SchemaVersion: 2,
    CreatedAt: '2026-11-28T09:14:03.512817204Z',
    ArtifactName: 'registry.example.com/team-00/app-00000:1.0.0',
    ArtifactType: 'container_image',
    Metadata: {
      OS: { Family: 'debian', Name: '12.2' },
      ImageID: digestOf('config'),
      DiffIDs: Array.from({ length: 12 }, (_, n) => digestOf(`diff-${n}`)),
      RepoTags: ['registry.example.com/team-00/app-00000:1.0.0'],
      RepoDigests: [`registry.example.com/team-00/app-00000@${digest}`],
      ImageConfig: {
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      },
    },
  };
  const headText = JSON.stringify(head, null, 2);
  out.write(headText.slice(0, -2) + ',\n  "Results": [\n');
  const targets = [
    { Target: 'registry.example.com/team-00/app-00000:1.0.0 (debian 12.2)', Class: 'os-pkgs', Type: 'debian' },
    { Target: 'app/package-lock.json', Class: 'lang-pkgs', Type: 'npm' },
    { Target: 'app/requirements.txt', Class: 'lang-pkgs', Type: 'pip' },
  ];
  const perTarget = Math.ceil(targetBytes / 3);
  let findings = 0;
  targets.forEach((target, t) => {
    out.write(
      `${t === 0 ? '' : ',\n'}    {\n      "Target": ${JSON.stringify(target.Target)},\n      "Class": "${target.Class}",\n      "Type": "${target.Type}",\n      "Vulnerabilities": [\n`,
    );
    let written = 0;
    let first = true;
    while (written < perTarget) {
      const text = (first ? '' : ',\n') + findingText(findings);
      out.write(text);
      written += text.length;
      findings += 1;
      first = false;
    }
    out.write('\n      ]\n    }');
  });
  out.write('\n  ]\n}\n');
  return { bytes: out.close(), findings };
}
