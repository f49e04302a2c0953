/**
 * What a remediation work item says: its title, its HTML body and the JSON Patch document that
 * creates it. Pure formatting over the explorer's rows; no I/O.
 *
 * The body goes in `Microsoft.VSTS.TCM.ReproSteps` for a Bug (the Agile, Scrum and CMMI Bug forms
 * show "Repro Steps", not Description; tools that file Bugs write there, e.g.
 * solidify/jira-azuredevops-migrator issue #56) and in `System.Description` for any other type.
 */
import { describeExposure } from '../cli/exposedRows';
import { SEVERITIES, isAtOrAbove, type Severity } from '../explorer/vulnerabilities/severity';
import type { ExposedRow } from '../store/explorer';
import type { ImagePush } from '../schemas/images';
import { plainUrl, REMEDIATION_TAG, type Owner } from './owner';

/** One JSON Patch operation, as Azure DevOps' work item API takes it. */
export interface PatchOperation {
  op: 'add';
  path: string;
  value: unknown;
}

/** What would be filed for one owner. */
export interface WorkItemDraft {
  title: string;
  /** The field the HTML body goes in. */
  bodyField: string;
  html: string;
  tags: string[];
  /** The JSON Patch document of `Work Items - Create`. */
  patch: PatchOperation[];
}

/** How to file: the organisation's settings and the question the rows answer. */
export interface DraftOptions {
  workItemType: string;
  /** With `{project}` already replaced. */
  areaPath?: string;
  minSeverity: Severity;
  keyTag: string;
}

/** System.Title holds at most 255 characters. */
const TITLE_LIMIT = 255;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function link(url: string | null, text: string): string {
  const safe = plainUrl(url);
  return safe === null ? escapeHtml(text) : `<a href="${escapeHtml(safe)}">${escapeHtml(text)}</a>`;
}

/** The run's page: the stored URL, else the build results page of a build run. */
export function runUrl(push: ImagePush): string | null {
  if (push.run.url !== null) return plainUrl(push.run.url);
  if (push.pipeline.hub !== 'build') return null;
  return `${push.organization.url.replace(/\/+$/, '')}/${encodeURIComponent(push.project.name)}/_build/results?buildId=${push.run.id}`;
}

function pipelineUrl(push: ImagePush): string | null {
  if (push.pipeline.hub !== 'build') return null;
  return `${push.organization.url.replace(/\/+$/, '')}/${encodeURIComponent(push.project.name)}/_build?definitionId=${push.pipeline.id}`;
}

function commitUrl(push: ImagePush): string | null {
  const repository = plainUrl(push.sourceRepository.url);
  if (repository === null || push.commit === null) return null;
  // Azure Repos and GitHub both show a commit at {repository}/commit/{sha}.
  return `${repository}/commit/${encodeURIComponent(push.commit)}`;
}

function countsAtOrAbove(row: ExposedRow, minimum: Severity): string {
  return SEVERITIES.filter((s) => isAtOrAbove(s, minimum) && row.counts[s] > 0)
    .map((s) => `${row.counts[s]} ${s}`)
    .join(', ');
}

function imageName(row: ExposedRow, digest: string): string {
  return row.references[0] ?? digest;
}

/** The title: the image, its worst findings and where it is exposed, within 255 characters. */
export function titleOf(rows: readonly ExposedRow[], minSeverity: Severity): string {
  const first = rows[0];
  if (!first) throw new Error('a work item needs at least one exposed row');
  const places = [...new Set(rows.map((r) => `${r.cluster}/${r.namespace}`))];
  const where = places.length === 1 ? (places[0] ?? '') : `${places.length} namespaces`;
  const title = `Fix vulnerable image ${imageName(first, first.digest)} (${countsAtOrAbove(first, minSeverity)}): internet-exposed in ${where}`;
  return title.length <= TITLE_LIMIT ? title : `${title.slice(0, TITLE_LIMIT - 1)}…`;
}

function findingsHtml(row: ExposedRow, minSeverity: Severity): string {
  const qualifying = SEVERITIES.filter((s) => isAtOrAbove(s, minSeverity)).reduce((n, s) => n + row.counts[s], 0);
  const items = row.topFindings.map((finding) => {
    const packages = finding.occurrences.map(
      (o) =>
        `${escapeHtml(o.packageName)} ${escapeHtml(o.installedVersion)} → ${o.fixedVersion === null ? 'no fixed version' : escapeHtml(o.fixedVersion)}`,
    );
    return `<li><b>${escapeHtml(finding.vulnerabilityId)}</b> (${finding.severity}): ${[...new Set(packages)].join('; ')}</li>`;
  });
  const more =
    qualifying > row.topFindings.length ? `<p>…and ${qualifying - row.topFindings.length} more at or above ${minSeverity}.</p>` : '';
  return `<ul>${items.join('')}</ul>${more}`;
}

function pushHtml(push: ImagePush): string {
  const lines = [
    `Run: ${link(runUrl(push), `${push.run.number} (${push.run.id})`)} of pipeline ${link(pipelineUrl(push), push.pipeline.name)} in project ${escapeHtml(push.project.name)}`,
    `Repository: ${link(push.sourceRepository.url, push.sourceRepository.name ?? push.sourceRepository.url ?? push.sourceRepository.id ?? 'unknown')}`,
    `Commit: ${push.commit === null ? 'unknown' : link(commitUrl(push), push.commit)}; branch: ${escapeHtml(push.branch ?? 'unknown')}`,
    `Pushed as ${escapeHtml(push.reference)} at ${escapeHtml(push.pushedAt)}; attribution ${push.attribution}${push.attributionReason ? ` (${escapeHtml(push.attributionReason)})` : ''}`,
  ];
  return `<li>${lines.join('<br>')}</li>`;
}

/** The HTML body: image, where it runs and how it is exposed, findings with fixed versions, who built it. */
export function bodyOf(rows: readonly ExposedRow[], owner: Owner, minSeverity: Severity): string {
  const first = rows[0];
  if (!first) throw new Error('a work item needs at least one exposed row');
  const references = [...new Set(rows.flatMap((r) => r.references))];
  const places = rows.map(
    (r) =>
      `<li>${escapeHtml(`${r.cluster}/${r.namespace} ${r.workloadKind}/${r.workloadName}`)} (snapshot ${escapeHtml(r.snapshotTakenAt)}): ${
        r.exposure.map((p) => escapeHtml(describeExposure(p))).join('; ') || 'no exposure path recorded'
      }</li>`,
  );
  return [
    `<p>Container Mapping found an internet-exposed workload running an image with vulnerabilities at or above <b>${minSeverity}</b>. It was built from ${escapeHtml(owner.repositoryLabel)}.</p>`,
    `<h3>Image</h3><p>Digest: <code>${escapeHtml(first.digest)}</code><br>References: ${references.map((r) => `<code>${escapeHtml(r)}</code>`).join(', ') || 'none'}</p>`,
    `<h3>Where it runs and how it is exposed</h3><ul>${places.join('')}</ul>`,
    `<h3>Findings at or above ${minSeverity} (${countsAtOrAbove(first, minSeverity)})</h3>${findingsHtml(first, minSeverity)}`,
    `<h3>Built by</h3><ul>${owner.pushes.map(pushHtml).join('')}</ul>`,
  ].join('');
}

/** The draft for one owner: title, body, tags and the JSON Patch document. */
export function draftWorkItem(rows: readonly ExposedRow[], owner: Owner, options: DraftOptions): WorkItemDraft {
  const title = titleOf(rows, options.minSeverity);
  const html = bodyOf(rows, owner, options.minSeverity);
  const bodyField = options.workItemType.toLowerCase() === 'bug' ? 'Microsoft.VSTS.TCM.ReproSteps' : 'System.Description';
  const tags = [REMEDIATION_TAG, options.keyTag];
  const patch: PatchOperation[] = [
    { op: 'add', path: '/fields/System.Title', value: title },
    { op: 'add', path: `/fields/${bodyField}`, value: html },
    // System.Tags is one text field, tags separated by "; ".
    { op: 'add', path: '/fields/System.Tags', value: tags.join('; ') },
  ];
  if (options.areaPath !== undefined) patch.push({ op: 'add', path: '/fields/System.AreaPath', value: options.areaPath });
  const run = runUrl(owner.newest);
  if (run !== null)
    patch.push({
      op: 'add',
      path: '/relations/-',
      value: { rel: 'Hyperlink', url: run, attributes: { comment: 'the run that pushed the image' } },
    });
  return { title, bodyField, html, tags, patch };
}
