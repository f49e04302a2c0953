/** The Kubernetes manifests (deploy/kubernetes/): rendered by `kubectl kustomize`, validated, and held to the rules. */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CLUSTER_RESOURCES } from '../../service/src/explorer/sync/resources';
import { KUSTOMIZE_ROOT, render, validateObject, type KubeObject } from './support/kustomize';

type Container = {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
};
type PodSpec = {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }[];
};

const overlays: Record<string, KubeObject[]> = {};

function find(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

function only(objects: KubeObject[], kind: string): KubeObject {
  const found = find(objects, kind);
  assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

/** The pod template of a Deployment or a CronJob. */
function podSpec(object: KubeObject): PodSpec {
  const spec = object.spec as unknown;
  if (object.kind === 'CronJob') return (spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } }).jobTemplate.spec.template.spec;
  return (spec as { template: { spec: PodSpec } }).template.spec;
}

function envOf(container: Container, name: string) {
  return container.env?.find((e) => e.name === name);
}

describe('the Kubernetes manifests (kustomize base and overlays)', function () {
  let withIngress = '';

  before(async function () {
    for (const overlay of ['sqlite', 'postgres', 'inventory-only'])
      overlays[overlay] = await render(join(KUSTOMIZE_ROOT, 'overlays', overlay));
    // The optional Ingress component, as an admin adds it to an overlay (kustomize takes relative paths only).
    withIngress = await mkdtemp(join(tmpdir(), 'cm-kustomize-'));
    const from = (path: string) => relative(withIngress, join(KUSTOMIZE_ROOT, path));
    await writeFile(
      join(withIngress, 'kustomization.yaml'),
      `resources:\n  - ${from('overlays/postgres')}\ncomponents:\n  - ${from('components/ingress')}\n`,
    );
    overlays['postgres+ingress'] = await render(withIngress);
  });

  after(async function () {
    if (withIngress) await rm(withIngress, { recursive: true, force: true });
  });

  it('renders every overlay into objects that each match the Kubernetes schema of their kind', function () {
    for (const [overlay, objects] of Object.entries(overlays)) {
      assert.ok(objects.length > 0, `${overlay} rendered nothing`);
      for (const object of objects) validateObject(object);
    }
    assert.equal(only(overlays['postgres+ingress']!, 'Ingress').metadata.namespace, 'container-mapping');
  });

  it('the schema check refuses a broken object (it can fail)', function () {
    const deployment = structuredClone(only(overlays.sqlite!, 'Deployment'));
    (podSpec(deployment).containers[0] as { ports?: unknown }).ports = [{ containerPort: 'http' }];
    assert.throws(() => validateObject(deployment), /containerPort/);
    assert.throws(() => validateObject({ ...deployment, kind: 'Unknown' }), /no schema for this kind/);
  });

  it('runs every container non-root, without privilege escalation, capabilities or a writable root, with resources', function () {
    for (const [overlay, objects] of Object.entries(overlays)) {
      const workloads = [...find(objects, 'Deployment'), ...find(objects, 'CronJob')];
      assert.ok(workloads.length > 0, overlay);
      for (const workload of workloads) {
        const pod = podSpec(workload);
        const where = `${overlay}: ${workload.kind} ${workload.metadata.name}`;
        assert.equal(pod.securityContext?.runAsNonRoot, true, where);
        assert.equal(pod.securityContext?.runAsUser, 1000, where);
        assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', where);
        for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
          const c = `${where} container ${container.name}`;
          assert.equal(container.securityContext?.allowPrivilegeEscalation, false, c);
          assert.equal(container.securityContext?.readOnlyRootFilesystem, true, c);
          assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL'], c);
          assert.ok(container.resources?.requests?.memory && container.resources.limits?.memory, `${c}: memory request and limit`);
        }
      }
    }
  });

  it('probes /healthz and /readyz, and migrates in an init container before serve starts', function () {
    for (const overlay of ['sqlite', 'postgres']) {
      const pod = podSpec(only(overlays[overlay]!, 'Deployment'));
      const service = pod.containers.find((c) => c.name === 'service')!;
      assert.deepEqual(service.livenessProbe?.httpGet, { path: '/healthz', port: 'http' });
      assert.deepEqual(service.readinessProbe?.httpGet, { path: '/readyz', port: 'http' });
      assert.deepEqual(service.args, ['serve']);
      assert.equal(envOf(service, 'CM_MIGRATE_ON_START')?.value, 'false');
      assert.deepEqual(
        pod.initContainers?.map((c) => c.args),
        [['migrate']],
      );
    }
  });

  it('keeps SQLite on one claimed volume with one replica, and takes the PostgreSQL URL from a Secret', function () {
    const sqlite = only(overlays.sqlite!, 'Deployment');
    const sqlitePod = podSpec(sqlite);
    assert.equal((sqlite.spec as { replicas: number }).replicas, 1);
    assert.equal((sqlite.spec as { strategy: { type: string } }).strategy.type, 'Recreate');
    const claim = only(overlays.sqlite!, 'PersistentVolumeClaim');
    assert.deepEqual(
      sqlitePod.volumes?.find((v) => v.name === 'data'),
      { name: 'data', persistentVolumeClaim: { claimName: claim.metadata.name } },
    );

    const postgres = only(overlays.postgres!, 'Deployment');
    const postgresPod = podSpec(postgres);
    assert.ok((postgres.spec as { replicas: number }).replicas >= 2);
    assert.deepEqual(find(overlays.postgres!, 'PersistentVolumeClaim'), []);
    for (const container of [...(postgresPod.initContainers ?? []), ...postgresPod.containers]) {
      assert.deepEqual(
        envOf(container, 'CM_DATABASE_URL')?.valueFrom?.secretKeyRef,
        { name: 'container-mapping-database', key: 'url' },
        container.name,
      );
    }
  });

  it('lets the inventory job get and list exactly the resources sync kubernetes reads, nothing else', function () {
    const expected = CLUSTER_RESOURCES.map((r) => `${r.group}/${r.plural}`).sort();
    for (const overlay of ['sqlite', 'postgres', 'inventory-only']) {
      const objects = overlays[overlay]!;
      const role = only(objects, 'ClusterRole');
      const rules = role.rules as { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
      const granted = rules.flatMap((rule) => rule.apiGroups.flatMap((g) => rule.resources.map((r) => `${g}/${r}`))).sort();
      assert.deepEqual(granted, expected, overlay);
      for (const rule of rules) assert.deepEqual([...rule.verbs].sort(), ['get', 'list'], overlay);

      const account = find(objects, 'ServiceAccount').find((a) => a.metadata.name === 'container-mapping-inventory')!;
      const binding = only(objects, 'ClusterRoleBinding');
      assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);

      const job = podSpec(only(objects, 'CronJob'));
      assert.equal(job.serviceAccountName, account.metadata.name);
      assert.deepEqual(job.containers[0]?.args?.slice(0, 3), ['sync', 'kubernetes', '--in-cluster']);
      assert.deepEqual(envOf(job.containers[0]!, 'CM_TOKEN')?.valueFrom?.secretKeyRef, {
        name: 'container-mapping-inventory',
        key: 'token',
      });
    }
    // No other Role or binding anywhere: the service's own pods get no API token.
    for (const objects of Object.values(overlays)) {
      assert.deepEqual(find(objects, 'Role'), []);
      assert.deepEqual(find(objects, 'RoleBinding'), []);
    }
    const servicePod = podSpec(only(overlays.postgres!, 'Deployment')) as PodSpec & { automountServiceAccountToken?: boolean };
    assert.equal(servicePod.automountServiceAccountToken, false);
  });
});
