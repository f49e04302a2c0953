/**
 * Images pushed by a BuildKit container driver never reach the Docker engine's events.
 * Pipelines that use one write `docker buildx build --metadata-file <folder>/<name>.json`
 * (or `docker buildx bake --metadata-file`) into the metadata folder, and we report those.
 */
import type { PushedImage, ReportWarning } from '../common/report';
import { normalizeDigest, parseImageReference } from '../common/imageReference';

const DIGEST_KEY = 'containerimage.digest';
const NAME_KEY = 'image.name';

/** One metadata file as read from disk. */
export interface MetadataFile {
  name: string;
  text: string;
  modifiedMs: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A build's metadata (`buildx build`), or each target's (`buildx bake`: an object of targets). */
function buildEntries(json: unknown): Record<string, unknown>[] {
  if (!isRecord(json)) return [];
  if (DIGEST_KEY in json) return [json];
  return Object.values(json).filter((v): v is Record<string, unknown> => isRecord(v) && DIGEST_KEY in v);
}

/** Parses buildx metadata files into pushed images. Pure. */
export function imagesFromMetadata(files: readonly MetadataFile[]): { images: PushedImage[]; warnings: ReportWarning[] } {
  const images: PushedImage[] = [];
  const warnings: ReportWarning[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch {
      warnings.push({ code: 'buildx-metadata-invalid', message: `${file.name} is not JSON; skipped.` });
      continue;
    }
    const entries = buildEntries(json);
    if (entries.length === 0) {
      warnings.push({ code: 'buildx-metadata-invalid', message: `${file.name} has no "${DIGEST_KEY}"; skipped.` });
      continue;
    }
    for (const entry of entries) {
      const digest = typeof entry[DIGEST_KEY] === 'string' ? normalizeDigest(entry[DIGEST_KEY]) : undefined;
      const names =
        typeof entry[NAME_KEY] === 'string'
          ? entry[NAME_KEY].split(',')
              .map((n) => n.trim())
              .filter(Boolean)
          : [];
      if (!digest || names.length === 0) {
        warnings.push({
          code: 'buildx-metadata-invalid',
          message: `${file.name}: a build without a sha256 "${DIGEST_KEY}" or an "${NAME_KEY}"; skipped.`,
        });
        continue;
      }
      for (const name of names) {
        let ref;
        try {
          ref = parseImageReference(name);
        } catch {
          warnings.push({
            code: 'buildx-metadata-invalid',
            message: `${file.name}: "${name.slice(0, 300)}" is not an image reference; skipped.`,
          });
          continue;
        }
        const key = `${ref.registry}/${ref.repository}:${ref.tag ?? ''}@${digest}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const image: PushedImage = {
          digest,
          registry: ref.registry,
          repository: ref.repository,
          pushedAt: new Date(file.modifiedMs).toISOString(),
          origin: 'buildx-metadata',
        };
        if (ref.tag !== undefined) image.tag = ref.tag;
        images.push(image);
      }
    }
  }
  return { images, warnings };
}
