/**
 * Renders the kustomizations under deploy/kubernetes/ with the real `kubectl kustomize` and validates each object
 * against the Kubernetes OpenAPI schema of its kind (kubernetes-models, generated from Kubernetes' own OpenAPI
 * document).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { loadAll } from 'js-yaml';
import { ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { REPO_ROOT } from './image';

export const KUSTOMIZE_ROOT = join(REPO_ROOT, 'deploy', 'kubernetes');

/** A rendered object, as plain JSON. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

/** Every kind the manifests may hold, by `apiVersion/kind`: an object of any other kind fails the test. */
const MODELS: Readonly<Record<string, { new (data: never): { validate(): void } }>> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'networking.k8s.io/v1/Ingress': Ingress,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

/**
 * kubectl on the PATH, else the one `scripts/services.sh start` unpacks into its cache when the machine has none.
 */
export function kubectlPath(): string {
  const onPath = (process.env.PATH ?? '').split(delimiter).find((dir) => dir !== '' && existsSync(join(dir, 'kubectl')));
  if (onPath) return join(onPath, 'kubectl');
  const cache =
    process.env.CM_KUBECTL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'container-mapping', 'kubectl');
  return join(cache, 'kubectl');
}

/** `kubectl kustomize <dir>`, parsed into its objects. */
export function render(dir: string): Promise<KubeObject[]> {
  return new Promise((resolve, reject) => {
    execFile(kubectlPath(), ['kustomize', dir], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing
              ? 'these tests need kubectl: run scripts/services.sh start (it installs one when missing)'
              : `kubectl kustomize ${dir}: ${stderr || err.message}`,
          ),
        );
        return;
      }
      resolve(loadAll(stdout).filter((doc) => doc !== null) as KubeObject[]);
    });
  });
}

/** Throws naming the object when its kind is unknown or it does not match its kind's schema. */
export function validateObject(object: KubeObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`${object.apiVersion} ${object.kind} ${object.metadata.name}: no schema for this kind in the test`);
  try {
    new Model(object as never).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(err as Error).message}`);
  }
}
