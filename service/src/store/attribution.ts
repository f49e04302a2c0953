/**
 * Shared Docker daemons: self-hosted agents on one machine see each other's push events,
 * so two jobs can report the same push, whether of different runs or of one run (a run's
 * jobs may run at once on agents sharing a daemon). When the same reference and digest are
 * reported by different jobs within a short window, both pushes are kept and marked
 * ambiguous. Attempts of one job are the same job: a re-run does not make its own earlier
 * push ambiguous.
 */
import type { Attribution } from '../schemas/images';

/** One stored push, as the attribution rule needs to see it. */
export interface AttributionCandidate {
  id: number;
  /** The report the push belongs to. */
  reportId: number;
  digest: string;
  registry: string;
  repository: string;
  tag: string | null;
  pushedAtMs: number;
  /** Identity of the run (organisation, project, hub, run id). */
  runKey: string;
  /** The job within the run (`System.JobId`): with `runKey`, who reported the push. */
  jobId: string;
  /** How the job is named in a reason, e.g. `contoso/Shop run 13 (pipeline "web"), job "Build"`. */
  runLabel: string;
  attribution: Attribution;
  attributionReason: string | null;
}

/** A push whose stored attribution must change. */
export interface AttributionChange {
  id: number;
  attribution: Attribution;
  attributionReason: string | null;
}

/** Decides every candidate's attribution and returns those that differ from what is stored. */
export function decideAttribution(candidates: AttributionCandidate[], windowMs: number): AttributionChange[] {
  const groups = new Map<string, AttributionCandidate[]>();
  for (const c of candidates) {
    const key = `${c.digest}\u0000${c.registry}\u0000${c.repository}\u0000${c.tag ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  const changes: AttributionChange[] = [];
  for (const group of groups.values()) {
    for (const push of group) {
      const rivals = group.filter((o) => !sameJob(o, push) && Math.abs(o.pushedAtMs - push.pushedAtMs) <= windowMs);
      const next = rivals.length === 0 ? { attribution: 'exclusive' as const, attributionReason: null } : ambiguous(push, rivals);
      if (next.attribution !== push.attribution || next.attributionReason !== push.attributionReason) {
        changes.push({ id: push.id, ...next });
      }
    }
  }
  return changes;
}

/** Whether two pushes were reported by the same job of the same run (any attempt). */
function sameJob(a: AttributionCandidate, b: AttributionCandidate): boolean {
  return a.runKey === b.runKey && a.jobId.toLowerCase() === b.jobId.toLowerCase();
}

function ambiguous(push: AttributionCandidate, rivals: AttributionCandidate[]): Omit<AttributionChange, 'id'> {
  const labels = [...new Set(rivals.map((r) => r.runLabel))].sort();
  const gapMs = Math.min(...rivals.map((r) => Math.abs(r.pushedAtMs - push.pushedAtMs)));
  const named = labels.slice(0, 3).join('; ') + (labels.length > 3 ? `; and ${labels.length - 3} more` : '');
  return {
    attribution: 'ambiguous',
    attributionReason:
      `the same push was also reported by ${named}, ${gapMs} ms apart: ` +
      "agents sharing one Docker daemon see each other's pushes, so either job may have built it",
  };
}

/**
 * How many pushes of report `reportId` are ambiguous once `changes` are applied: the
 * candidates hold every push of the report (they share its digests), so no query is needed.
 */
export function countAmbiguous(candidates: AttributionCandidate[], changes: AttributionChange[], reportId: number): number {
  const changed = new Map(changes.map((c) => [c.id, c.attribution]));
  return candidates.filter((c) => c.reportId === reportId && (changed.get(c.id) ?? c.attribution) === 'ambiguous').length;
}
