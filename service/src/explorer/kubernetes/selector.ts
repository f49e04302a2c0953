/** What a Service selector is matched against: a pod's namespace and labels. */
export interface Selectable {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Whether a Service selects a pod, as Kubernetes matches it (Service docs, "Services without selectors";
 * ServiceSpec.selector: "Route service traffic to pods with label keys and values matching this selector.
 * If empty or not present, the service is assumed to have an external process managing its endpoints"):
 * same namespace, and every key of the selector present on the pod with the same value. An empty selector
 * selects nothing.
 */
export function selects(
  service: { readonly namespace: string; readonly selector: Readonly<Record<string, string>> },
  pod: Selectable,
): boolean {
  const entries = Object.entries(service.selector);
  if (entries.length === 0 || service.namespace !== pod.namespace) return false;
  return entries.every(([key, value]) => Object.hasOwn(pod.labels, key) && pod.labels[key] === value);
}
