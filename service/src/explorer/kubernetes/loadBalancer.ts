/**
 * Whether a `LoadBalancer` Service gets an internal (private) load balancer from its cloud, read from the
 * annotations each cloud documents:
 * - Azure (AKS docs, "Use an internal load balancer"): `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`;
 * - Google (GKE docs, "Internal passthrough Network Load Balancer"): `networking.gke.io/load-balancer-type: "Internal"`,
 *   and the older `cloud.google.com/load-balancer-type: "Internal"`;
 * - AWS in-tree provider: `service.beta.kubernetes.io/aws-load-balancer-internal` makes the load balancer internal for
 *   every value but `"false"` (kubernetes/website#15771); AWS Load Balancer Controller docs:
 *   `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`.
 * Values are compared exactly as written above: a value the cloud would not honour leaves the load balancer public,
 * and so must leave the workload exposed here.
 */

const AZURE_INTERNAL = 'service.beta.kubernetes.io/azure-load-balancer-internal';
const GKE_TYPE = 'networking.gke.io/load-balancer-type';
const GCP_TYPE = 'cloud.google.com/load-balancer-type';
const AWS_INTERNAL = 'service.beta.kubernetes.io/aws-load-balancer-internal';
const AWS_SCHEME = 'service.beta.kubernetes.io/aws-load-balancer-scheme';

/** The only annotations the inventory keeps: those that decide whether a load balancer is internal. */
export const INTERNAL_LOAD_BALANCER_ANNOTATIONS: readonly string[] = [AZURE_INTERNAL, GKE_TYPE, GCP_TYPE, AWS_INTERNAL, AWS_SCHEME];

/** Whether a Service's annotations ask its cloud for an internal load balancer. */
export function isInternalLoadBalancer(annotations: Readonly<Record<string, string>>): boolean {
  const aws = annotations[AWS_INTERNAL];
  return (
    annotations[AZURE_INTERNAL] === 'true' ||
    annotations[GKE_TYPE] === 'Internal' ||
    annotations[GCP_TYPE] === 'Internal' ||
    (aws !== undefined && aws !== '' && aws !== 'false') ||
    annotations[AWS_SCHEME] === 'internal'
  );
}
