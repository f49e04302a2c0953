/**
 * Manifest digests as scanners print them: bare (`sha256:…`) or pinned to a repository
 * (`registry/repo@sha256:…`, the form of Docker's RepoDigests).
 */
import { VulnerabilityDocumentError, type JsonLocation } from './documentError';

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The digest in a `repo@sha256:…` reference or a bare `sha256:…` digest, lowercased.
 * @throws VulnerabilityDocumentError (at `at`) when the text holds no valid sha256 digest.
 */
export function readDigest(text: string, at: JsonLocation): string {
  const separator = text.lastIndexOf('@');
  const digest = (separator >= 0 ? text.slice(separator + 1) : text).trim().toLowerCase();
  if (!SHA256_DIGEST.test(digest)) {
    throw new VulnerabilityDocumentError(at, `"${text}" holds no manifest digest (expected sha256: and 64 hex digits)`);
  }
  return digest;
}
