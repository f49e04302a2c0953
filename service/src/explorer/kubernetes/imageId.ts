/**
 * What a container runs, read from `status.containerStatuses[].imageID`. Container runtimes report either a
 * repository digest (`docker-pullable://repo@sha256:…` from dockershim and cri-dockerd, `repo@sha256:…` from
 * containerd and CRI-O) — the registry manifest digest that pushes and scans name — or, for an image that was
 * never pulled from a registry, only the local config id (`sha256:…`, or `docker://sha256:…`), which no
 * registry knows: it is kept but marked unresolved.
 */
export type RunningImage =
  | { readonly resolved: true; readonly digest: string; readonly repository: string }
  | { readonly resolved: false; readonly configId: string | null };

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Parses an `imageID`; an empty one (a container that has not started) gives an unresolved image with no id.
 * `undefined`: it names a digest (`…@…`) that is not a valid sha256 digest.
 */
export function parseImageId(imageId: string): RunningImage | undefined {
  const bare = imageId.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const at = bare.lastIndexOf('@');
  if (at >= 0) {
    const digest = bare.slice(at + 1).toLowerCase();
    return at > 0 && DIGEST.test(digest) ? { resolved: true, digest, repository: bare.slice(0, at) } : undefined;
  }
  const configId = bare.toLowerCase();
  return { resolved: false, configId: DIGEST.test(configId) ? configId : bare === '' ? null : bare };
}
