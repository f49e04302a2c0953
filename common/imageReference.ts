/**
 * Image references as Docker understands them, normalised so that the task and the
 * service agree on one spelling: `nginx` is `docker.io/library/nginx:latest`,
 * `index.docker.io/foo/bar` is `docker.io/foo/bar`, and a registry keeps its port.
 */

/** The default registry, as Docker names it in normalised references. */
export const DEFAULT_REGISTRY = 'docker.io';

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host, lowercase, with its port when it has one. */
  registry: string;
  /** Repository path, e.g. `library/nginx` or `team/web-api`. */
  repository: string;
  /** The tag, when the reference names one. */
  tag?: string;
  /** The digest, when the reference pins one. */
  digest?: string;
}

/** Thrown when a string is not an image reference Docker would accept. */
export class InvalidImageReferenceError extends Error {
  constructor(
    readonly reference: string,
    reason: string,
  ) {
    super(`invalid image reference "${reference}": ${reason}`);
    this.name = 'InvalidImageReferenceError';
  }
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Docker's rule: the first component is a registry when it looks like a host. */
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

/**
 * Parses and normalises an image reference.
 * @throws InvalidImageReferenceError when the text is not a valid reference.
 */
export function parseImageReference(text: string): ImageReference {
  const input = text.trim();
  if (input.length === 0 || input.length > 1024) {
    throw new InvalidImageReferenceError(text, 'empty or longer than 1024 characters');
  }

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidImageReferenceError(text, `bad digest "${digest}"`);
    digest = digest.toLowerCase();
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new InvalidImageReferenceError(text, `bad tag "${tag}"`);
  }

  const components = rest.split('/');
  let registry = DEFAULT_REGISTRY;
  if (components.length > 1 && looksLikeRegistry(components[0] ?? '')) {
    const host = components.shift() ?? '';
    if (!HOST.test(host)) throw new InvalidImageReferenceError(text, `bad registry host "${host}"`);
    registry = host.toLowerCase();
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DEFAULT_REGISTRY;

  if (components.length === 0 || components.some((c) => !PATH_COMPONENT.test(c))) {
    throw new InvalidImageReferenceError(text, 'repository must be lowercase path components separated by "/"');
  }
  if (registry === DEFAULT_REGISTRY && components.length === 1) components.unshift('library');
  const repository = components.join('/');
  if (repository.length > 255) throw new InvalidImageReferenceError(text, 'repository longer than 255 characters');

  const ref: ImageReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Formats a reference as `registry/repository[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** `registry/repository` without tag or digest: the key Docker's `RepoDigests` entries share. */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/**
 * Normalises a sha256 digest (trims, lowercases) and checks it.
 * @returns the digest as `sha256:` and 64 lowercase hex digits, or `undefined` when it is not one.
 */
export function normalizeDigest(text: string): string | undefined {
  const d = text.trim().toLowerCase();
  return SHA256_DIGEST.test(d) ? d : undefined;
}
