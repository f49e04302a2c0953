/**
 * What `sync kubernetes` keeps of each object it lists before it writes or sends the List: what the snapshot core
 * (`kubernetes/readObjects.ts`) reads, plus the object's identity, and nothing that may carry a secret. A pod's
 * environment (`env[].value`, `env[].valueFrom`, `envFrom`), its command and arguments, probes (HTTP headers), every
 * annotation but the load balancer ones the exposure rules read (`kubectl.kubernetes.io/last-applied-configuration`
 * repeats the whole manifest, env values included), `managedFields`, container termination messages, and the header
 * values of HTTPRoute filters are dropped. Pure: plain JSON in, plain JSON out.
 */
import { INTERNAL_LOAD_BALANCER_ANNOTATIONS } from '../kubernetes/loadBalancer';

type Json = Record<string, unknown>;

/** The fields of a container the snapshot reads: its name and image, host ports, and a native sidecar's restart policy. */
const CONTAINER_FIELDS = ['name', 'image', 'ports', 'restartPolicy'];
/** The fields of a container's status the snapshot reads (`imageID`: the running digest), and harmless state counters. */
const CONTAINER_STATUS_FIELDS = ['name', 'image', 'imageID', 'containerID', 'ready', 'started', 'restartCount'];
/** The fields of a pod spec the snapshot reads, and where it runs. */
const POD_SPEC_FIELDS = ['containers', 'initContainers', 'ephemeralContainers', 'hostNetwork', 'nodeName', 'serviceAccountName'];
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];
const STATUS_LISTS = ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function pick(object: Json, fields: readonly string[]): Json {
  const kept: Json = {};
  for (const field of fields) if (field in object) kept[field] = object[field];
  return kept;
}

/** `object` with `key` replaced by `f` of its value; unchanged when it has no such key (no `undefined` added). */
function update(object: Json, key: string, f: (value: unknown) => unknown): Json {
  return key in object ? { ...object, [key]: f(object[key]) } : object;
}

/** Each object of an array through `f`; anything else (a wrongly typed field) as it was, for the core to report. */
function mapObjects(value: unknown, f: (item: Json) => Json): unknown {
  return Array.isArray(value) ? value.map((item) => (isObject(item) ? f(item) : item)) : value;
}

function stripMetadata(metadata: unknown): unknown {
  if (!isObject(metadata)) return metadata;
  const { annotations, managedFields: _managedFields, ...rest } = metadata;
  if (!isObject(annotations)) return annotations === undefined ? rest : { ...rest, annotations };
  const kept = pick(annotations, INTERNAL_LOAD_BALANCER_ANNOTATIONS);
  return Object.keys(kept).length === 0 ? rest : { ...rest, annotations: kept };
}

function stripPodSpec(spec: unknown): unknown {
  if (!isObject(spec)) return spec;
  let kept = pick(spec, POD_SPEC_FIELDS);
  for (const list of CONTAINER_LISTS) kept = update(kept, list, (v) => mapObjects(v, (c) => pick(c, CONTAINER_FIELDS)));
  return kept;
}

function stripPodStatus(status: unknown): unknown {
  if (!isObject(status)) return status;
  let kept = status;
  for (const list of STATUS_LISTS) kept = update(kept, list, (v) => mapObjects(v, (s) => pick(s, CONTAINER_STATUS_FIELDS)));
  return kept;
}

/** A pod template (`spec.template` of a Deployment, …): its metadata and pod spec, stripped the same way as a pod's. */
function stripTemplate(template: unknown): unknown {
  if (!isObject(template)) return template;
  return update(update(template, 'metadata', stripMetadata), 'spec', stripPodSpec);
}

function withSpec(item: Json, f: (spec: Json) => Json): Json {
  const spec = item['spec'];
  return isObject(spec) ? { ...item, spec: f(spec) } : item;
}

function stripSpecOf(kind: unknown, item: Json): Json {
  switch (kind) {
    case 'Pod':
      return update(update(item, 'spec', stripPodSpec), 'status', stripPodStatus);
    case 'ReplicaSet':
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return withSpec(item, (spec) => update(spec, 'template', stripTemplate));
    case 'CronJob':
      return withSpec(item, (spec) => {
        const jobTemplate = spec['jobTemplate'];
        if (!isObject(jobTemplate) || !isObject(jobTemplate['spec'])) return spec;
        const jobSpec = update(jobTemplate['spec'], 'template', stripTemplate);
        return { ...spec, jobTemplate: { ...jobTemplate, spec: jobSpec } };
      });
    case 'HTTPRoute':
      // Filters may set request headers (an `Authorization` value, say); the core reads matches and backends only.
      return withSpec(item, (spec) =>
        update(spec, 'rules', (rules) =>
          mapObjects(rules, ({ filters: _filters, ...rule }) =>
            update(rule, 'backendRefs', (refs) => mapObjects(refs, ({ filters: _backendFilters, ...ref }) => ref)),
          ),
        ),
      );
    default:
      return item;
  }
}

/**
 * One listed object (with its `kind` set) as `sync kubernetes` writes and sends it: see the file's comment for what is
 * dropped. `buildClusterSnapshot` reads the stripped List into the same snapshot as the whole one.
 */
export function stripItem(item: Json): Json {
  const stripped = stripSpecOf(item['kind'], item);
  return update(stripped, 'metadata', stripMetadata);
}
