/**
 * Reads a registry manifest document (what `GET /v2/<name>/manifests/<digest>` answers) far enough to tell
 * an index from a single-platform manifest, and to list an index's platform manifests.
 *
 * Shapes followed: the OCI image spec `image-index.md` (`mediaType`
 * `application/vnd.oci.image.index.v1+json`, `manifests[]` with `digest` and `platform.os`,
 * `.architecture`, `.variant`) and Docker's manifest list (`application/vnd.docker.distribution.manifest.list.v2+json`,
 * the same fields). BuildKit adds attestation manifests to an index with platform `unknown/unknown` and the
 * annotation `vnd.docker.reference.type: attestation-manifest`: they are not images anyone runs, so they are left out.
 */
import type { Platform } from './relation';

export const INDEX_MEDIA_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
export const MANIFEST_MEDIA_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

/** What a manifest document is. */
export type ManifestKind =
  | { readonly kind: 'index'; readonly platforms: ReadonlyArray<{ readonly digest: string; readonly platform: Platform | null }> }
  | { readonly kind: 'manifest' };

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const NAME = /^[a-z0-9._-]{1,50}$/;
/** More than any real index lists; past it the document is not believed. */
const MAX_MANIFESTS = 1000;

function text(value: unknown): string | null {
  return typeof value === 'string' && NAME.test(value) ? value : null;
}

/**
 * Reads a manifest document; `contentType` is the answer's `Content-Type` (the document's own
 * `mediaType` field wins when present: it is optional in OCI documents).
 * @throws Error naming what is wrong, when the document is neither an index nor a manifest.
 */
export function readManifest(document: unknown, contentType: string | null): ManifestKind {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new Error('the manifest is not a JSON object');
  const object = document as Record<string, unknown>;
  const mediaType = typeof object['mediaType'] === 'string' ? object['mediaType'] : (contentType?.split(';')[0]?.trim() ?? '');
  if (MANIFEST_MEDIA_TYPES.includes(mediaType)) return { kind: 'manifest' };
  if (!INDEX_MEDIA_TYPES.includes(mediaType)) throw new Error(`unexpected manifest media type "${mediaType}"`);
  const manifests = object['manifests'];
  if (!Array.isArray(manifests) || manifests.length > MAX_MANIFESTS) throw new Error('the index has no readable manifests list');
  const platforms: Array<{ digest: string; platform: Platform | null }> = [];
  for (const entry of manifests as unknown[]) {
    if (typeof entry !== 'object' || entry === null) throw new Error('an index entry is not an object');
    const e = entry as Record<string, unknown>;
    if (typeof e['digest'] !== 'string' || !DIGEST.test(e['digest'])) continue; // sha512 or malformed: nothing here keys on it
    const annotations = (typeof e['annotations'] === 'object' && e['annotations'] !== null ? e['annotations'] : {}) as Record<
      string,
      unknown
    >;
    if (annotations['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    const p = (typeof e['platform'] === 'object' && e['platform'] !== null ? e['platform'] : {}) as Record<string, unknown>;
    const os = text(p['os']);
    const architecture = text(p['architecture']);
    if (os === 'unknown' && architecture === 'unknown') continue;
    platforms.push({ digest: e['digest'], platform: os && architecture ? { os, architecture, variant: text(p['variant']) } : null });
  }
  return { kind: 'index', platforms };
}
