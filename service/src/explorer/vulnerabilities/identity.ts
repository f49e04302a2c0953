/**
 * Which findings name the same vulnerability. A CVE id is the identity when a finding has one
 * (its own id, or an alias such as Grype's relatedVulnerabilities of a GHSA match); a GHSA or other
 * id that some finding on the image lists beside exactly one CVE is that CVE; otherwise a finding is
 * its own id. Ids compare case-insensitively. Vendor advisories (Trivy's VendorIDs) never join
 * findings: one advisory often fixes several CVEs.
 */
import type { Finding } from './finding';

const CVE = /^CVE-\d{4}-\d+$/i;

/** Whether an id is a CVE id. */
export function isCveId(id: string): boolean {
  return CVE.test(id);
}

function ownCve(finding: Finding): string | undefined {
  if (isCveId(finding.vulnerabilityId)) return finding.vulnerabilityId.toUpperCase();
  return finding.aliases
    .filter(isCveId)
    .map((id) => id.toUpperCase())
    .sort()[0];
}

/**
 * The identity key of each finding of one image, in order: findings with equal keys are one
 * vulnerability.
 */
export function identityKeys(findings: readonly Finding[]): string[] {
  const cvesById = new Map<string, Set<string>>();
  for (const finding of findings) {
    const cve = ownCve(finding);
    if (cve === undefined) continue;
    for (const id of [finding.vulnerabilityId, ...finding.aliases]) {
      if (isCveId(id)) continue;
      const key = id.toUpperCase();
      cvesById.set(key, (cvesById.get(key) ?? new Set()).add(cve));
    }
  }
  return findings.map((finding) => {
    const cve = ownCve(finding);
    if (cve !== undefined) return cve;
    const own = finding.vulnerabilityId.toUpperCase();
    const cves = cvesById.get(own);
    // An id listed beside two different CVEs is ambiguous: it stays its own finding.
    return cves?.size === 1 ? [...cves][0]! : own;
  });
}
