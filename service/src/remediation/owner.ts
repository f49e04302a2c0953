/**
 * Who owns a running image: the source repositories whose runs pushed it. One work item is filed
 * per (source repository, image digest); this file names that pair. Pure, no I/O.
 */
import { createHash } from 'node:crypto';
import type { ImagePush } from '../schemas/images';

/** The tag every work item the service files carries. */
export const REMEDIATION_TAG = 'container-mapping';

/** A source repository and the pushes of one image it built, newest first. */
export interface Owner {
  /** What identifies the repository (its URL without user info, else its id, else its pipeline), lower case. */
  repositoryKey: string;
  /** How the repository is shown: its URL, name or id. */
  repositoryLabel: string;
  /** The newest push: its run, pipeline and project are where the work item goes. */
  newest: ImagePush;
  /** Every push of the image from this repository, newest first. */
  pushes: ImagePush[];
}

/** A URL without user info (`https://contoso@dev.azure.com/…` → `https://dev.azure.com/…`); null for anything but http(s). */
export function plainUrl(text: string | null): string | null {
  if (text === null) return null;
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return null;
  }
}

function repositoryOf(push: ImagePush): { key: string; label: string } {
  const { url, id, name } = push.sourceRepository;
  const plain = plainUrl(url);
  if (plain !== null) return { key: `url:${plain.toLowerCase()}`, label: plain };
  if (id !== null) return { key: `id:${push.organization.url.toLowerCase()}|${id.toLowerCase()}`, label: name ?? id };
  // No repository recorded: the pipeline stands for it.
  const pipeline = `${push.organization.url.toLowerCase()}|${push.project.id.toLowerCase()}|${push.pipeline.hub}|${push.pipeline.id}`;
  return { key: `pipeline:${pipeline}`, label: name ?? `${push.project.name}/${push.pipeline.name}` };
}

/** Groups an image's pushes (newest first, as the store answers them) by source repository, in order of each one's newest push. */
export function ownersOf(pushes: readonly ImagePush[]): Owner[] {
  const owners = new Map<string, Owner>();
  for (const push of pushes) {
    const { key, label } = repositoryOf(push);
    const owner = owners.get(key);
    if (owner) owner.pushes.push(push);
    else owners.set(key, { repositoryKey: key, repositoryLabel: label, newest: push, pushes: [push] });
  }
  return [...owners.values()];
}

/**
 * The tag that marks the one open work item of (repository, digest): `cm-` and 24 hex digits of a
 * SHA-256 over both, so that the service finds it again by a WIQL `[System.Tags] CONTAINS` query
 * without keeping anything itself.
 */
export function remediationKeyTag(repositoryKey: string, digest: string): string {
  return `cm-${createHash('sha256').update(`${repositoryKey}\n${digest.toLowerCase()}`, 'utf8').digest('hex').slice(0, 24)}`;
}
