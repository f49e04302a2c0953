/**
 * The synthetic organisation of `bench:explorer`, as numbers and formulas, so that the seed SQL, the
 * measured documents and the checks all agree on which digest is which.
 *
 * At scale 1 (the size): 20 clusters, 20,000 workloads, 100,000 images of which 50,000 are
 * mapped to runs by stored reports (one in 25 of those by a second run as well), 5,000,000 findings
 * (50 per image), a 10,000-workload cluster snapshot and a 100,000-finding Trivy file to import.
 * `--scale s` multiplies every count (at least one cluster).
 */

/** Counts of one benchmark run. */
export interface Shape {
  scale: number;
  clusters: number;
  workloads: number;
  images: number;
  /** Images with a push in a stored report: the odd-numbered ones. */
  mapped: number;
  findings: number;
  /** Findings per image (every image is scanned). */
  findingsPerImage: number;
  /** Workloads in the cluster snapshot whose import is measured. */
  importWorkloads: number;
  /** Findings in the Trivy file whose import is measured. */
  importFindings: number;
}

/** The organisation at `scale` (1 = the size). */
export function shapeAt(scale: number): Shape {
  const n = (full: number) => Math.max(1, Math.round(full * scale));
  const images = n(100_000);
  return {
    scale,
    clusters: n(20),
    workloads: n(20_000),
    images,
    mapped: Math.floor(images / 2),
    findings: images * 50,
    findingsPerImage: 50,
    importWorkloads: n(10_000),
    importFindings: n(100_000),
  };
}

/** The digest of image `n` (1-based), as the seed SQL writes it. */
export function imageDigest(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** How many second-run reports the seed stores: one for every 25th mapped image. */
export function secondRuns(shape: Shape): number {
  return Math.floor(shape.mapped / 25);
}
