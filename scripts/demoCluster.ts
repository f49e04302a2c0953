/**
 * The cluster and the scans of `npm run demo` (steps 7 and 8): a production cluster that runs the image the
 * demo pushed behind a public load balancer, and a vendor's image, never pushed by a reporting pipeline,
 * behind an Ingress; and a Trivy report for each. The findings are illustrative (the demo's image holds one
 * text file, and no scanner runs here): real advisories of Go modules, in the shape Trivy prints them.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlList, trivyReport, type TrivyFinding } from './clusterDocuments';

/** The name the demo's cluster is imported under. */
export const DEMO_CLUSTER = 'aks-prod-weu';

/** The vendor's image: its name and digest are made up, and no report names it, so it is unmapped. */
export const VENDOR_IMAGE = 'ghcr.io/contoso-vendor/checkout:2.1.0';
const VENDOR_DIGEST = `sha256:${createHash('sha256').update(`${VENDOR_IMAGE}, made up for the demo`).digest('hex')}`;

const CRYPTO_SSH: TrivyFinding = {
  id: 'CVE-2024-45337',
  packageName: 'golang.org/x/crypto',
  installedVersion: '0.30.0',
  fixedVersion: '0.31.0',
  severity: 'CRITICAL',
  title: 'golang.org/x/crypto/ssh: misuse of ServerConfig.PublicKeyCallback may cause authorization bypass',
};
const HTTP2_RAPID_RESET: TrivyFinding = {
  id: 'CVE-2023-44487',
  packageName: 'golang.org/x/net',
  installedVersion: '0.15.0',
  fixedVersion: '0.17.0',
  severity: 'HIGH',
  title: 'HTTP/2 rapid reset can cause excessive work',
};
const HTTP2_STREAM_RESET: TrivyFinding = {
  id: 'CVE-2023-39325',
  packageName: 'golang.org/x/net',
  installedVersion: '0.15.0',
  fixedVersion: '0.17.0',
  severity: 'HIGH',
  title: 'golang.org/x/net/http2: rapid stream resets can cause excessive work',
};

/** The files step 7 and 8 import: the kubectl List, and one Trivy report per image. */
export interface DemoClusterFiles {
  list: string;
  scans: string[];
}

/** Writes the demo's kubectl List and Trivy reports into `folder`, for `reference` pushed as `digest`. */
export function writeDemoCluster(folder: string, reference: string, digest: string): DemoClusterFiles {
  const now = new Date();
  const write = (name: string, document: object) => {
    const path = join(folder, name);
    writeFileSync(path, JSON.stringify(document, null, 4));
    return path;
  };
  const list = write(
    'kubectl-get-all.json',
    kubectlList(
      [
        { namespace: 'shop', name: 'web-api', image: reference, digest, exposure: 'LoadBalancer' },
        { namespace: 'shop', name: 'checkout', image: VENDOR_IMAGE, digest: VENDOR_DIGEST, exposure: { ingressHost: 'shop.contoso.com' } },
      ],
      now,
    ),
  );
  return {
    list,
    scans: [
      write('trivy-web-api.json', trivyReport(reference, digest, [CRYPTO_SSH, HTTP2_RAPID_RESET], now)),
      write('trivy-checkout.json', trivyReport(VENDOR_IMAGE, VENDOR_DIGEST, [HTTP2_RAPID_RESET, HTTP2_STREAM_RESET], now)),
    ],
  };
}
