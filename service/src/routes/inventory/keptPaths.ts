/**
 * What the import routes keep of a body while it streams in: exactly the paths the pure cores read, nothing
 * else (a Trivy finding's Description, References and CVSS; a Pod's env, managedFields and conditions; a
 * Deployment's pod template…). Each tree below mirrors the readers it names, field by field; the test
 * `importKeptPaths.test.ts` runs the cores on every fixture while recording each path they touch and fails
 * when one is not kept here, and checks that the cores give the same result, or the same error, on the
 * pruned document as on the whole one. A reader that starts reading a new field must add it here.
 */
import { INTERNAL_LOAD_BALANCER_ANNOTATIONS } from '../../explorer/kubernetes/loadBalancer';
import { arrayOf, object, union, type Keep } from '../../jsonStream/keep';

const W = 'whole';

/** ObjectMeta, as `readMeta` and `readService` read it (kubernetes/readObjects.ts). */
const KUBERNETES_METADATA = object({
  namespace: W,
  name: W,
  labels: W,
  ownerReferences: arrayOf(object({ kind: W, name: W, controller: W })),
  // readService keeps only these, but checks that every annotation is a string: the others are kept as their type.
  annotations: object(Object.fromEntries(INTERNAL_LOAD_BALANCER_ANNOTATIONS.map((key) => [key, W])), 'type'),
});

/** A Pod's containers and initContainers (`readContainer`). */
const POD_CONTAINERS = arrayOf(object({ name: W, image: W, restartPolicy: W, ports: arrayOf(object({ hostPort: W })) }));

/** A Pod's containerStatuses and initContainerStatuses (`readStatuses`). */
const CONTAINER_STATUSES = arrayOf(object({ name: W, image: W, imageID: W }));

/** An Ingress backend (`backendService`). */
const INGRESS_BACKEND = object({ service: object({ name: W }) });

/**
 * The `spec` of every kind read, in one tree (an item's kind may come after its spec in the text, so the tree
 * cannot depend on it): Pod (`readPod`), Service (`readService`), Ingress (`readIngress`), Gateway (`readGateway`),
 * HTTPRoute (`readHTTPRoute`). The owners (ReplicaSet, Deployment, …) are read for their metadata only: their
 * pod templates are dropped.
 */
const KUBERNETES_SPEC = object({
  containers: POD_CONTAINERS,
  initContainers: POD_CONTAINERS,
  hostNetwork: W,
  type: W,
  selector: W,
  ports: arrayOf(object({ port: W, nodePort: W })),
  defaultBackend: INGRESS_BACKEND,
  rules: arrayOf(
    object({
      host: W,
      http: object({ paths: arrayOf(object({ path: W, backend: INGRESS_BACKEND })) }),
      matches: arrayOf(object({ path: object({ value: W }) })),
      backendRefs: arrayOf(object({ group: W, kind: W, namespace: W, name: W })),
    }),
  ),
  listeners: arrayOf(object({ name: W, allowedRoutes: object({ namespaces: object({ from: W }) }) })),
  parentRefs: arrayOf(object({ group: W, kind: W, namespace: W, name: W, sectionName: W })),
  hostnames: W,
});

/** What `buildClusterSnapshot` reads of a kubectl `List` (kubernetes/readList.ts and readObjects.ts). */
export const KUBECTL_LIST_KEEP: Keep = object({
  kind: W,
  items: arrayOf(
    object({
      apiVersion: W,
      kind: W,
      metadata: KUBERNETES_METADATA,
      spec: KUBERNETES_SPEC,
      status: object({ phase: W, containerStatuses: CONTAINER_STATUSES, initContainerStatuses: CONTAINER_STATUSES }),
    }),
  ),
});

/** Trivy JSON (vulnerabilities/trivy.ts, and `detectFormat`, which looks for SchemaVersion and ArtifactName). */
const TRIVY_KEEP = object({
  SchemaVersion: W,
  ArtifactName: W,
  CreatedAt: W,
  Metadata: object({ RepoDigests: W }),
  Trivy: object({ Version: W }),
  Results: arrayOf(
    object({
      Vulnerabilities: arrayOf(object({ VulnerabilityID: W, VendorIDs: W, Severity: W, PkgName: W, InstalledVersion: W, FixedVersion: W })),
    }),
  ),
});

/** Grype JSON (vulnerabilities/grype.ts; `detectFormat` looks for matches, source and descriptor). */
const GRYPE_KEEP = object({
  matches: arrayOf(
    object({
      vulnerability: object({ id: W, severity: W, fix: object({ versions: W }) }),
      relatedVulnerabilities: arrayOf(object({ id: W })),
      artifact: object({ name: W, version: W }),
    }),
  ),
  // mediaType and the platform: what tells a platform manifest from its index (explorer/platforms/fromScan.ts).
  source: object({
    type: W,
    target: object({ repoDigests: W, manifestDigest: W, userInput: W, mediaType: W, os: W, architecture: W, variant: W }),
  }),
  descriptor: object({ name: W, version: W, timestamp: W }),
});

/** One Trivy Operator VulnerabilityReport (vulnerabilities/trivyOperator.ts). */
const VULNERABILITY_REPORT = object({
  kind: W,
  report: object({
    artifact: object({ digest: W, repository: W }),
    scanner: object({ name: W, version: W }),
    registry: object({ server: W }),
    updateTimestamp: W,
    vulnerabilities: arrayOf(object({ vulnerabilityID: W, severity: W, resource: W, installedVersion: W, fixedVersion: W })),
  }),
});

/** A Trivy Operator report alone, or the `List`/`VulnerabilityReportList` of them. */
const TRIVY_OPERATOR_KEEP = union(VULNERABILITY_REPORT, object({ kind: W, items: arrayOf(VULNERABILITY_REPORT) }));

/**
 * What `parseScannerDocument` reads of any of the three formats: the format is told from the content, so the
 * body keeps what any of them reads (their field names barely overlap).
 */
export const SCANNER_DOCUMENT_KEEP: Keep = union(union(TRIVY_KEEP, GRYPE_KEEP), TRIVY_OPERATOR_KEEP);
