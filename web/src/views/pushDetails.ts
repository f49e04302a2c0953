/** What the page shows of one push: where the pipeline ran, what it built from, how sure the mapping is. */
import { externalLink, h } from '../dom';
import { runHref } from '../rows';
import type { ImagePush } from '../types';

/** The commit's page in its repository (Azure Repos and GitHub both answer `{repo}/commit/{sha}`). */
export function commitUrl(push: ImagePush): string | null {
  const repo = push.sourceRepository.url;
  if (!push.commit || !repo || !/^https:\/\//.test(repo)) return null;
  return `${withoutUser(repo).replace(/\.git$/, '')}/commit/${push.commit}`;
}

/** Azure Repos clone URLs carry the organisation as a user name (`https://contoso@dev.azure.com/…`); a link needs none. */
export const withoutUser = (url: string): string => url.replace(/^(https?:\/\/)[^@/]+@/, '$1');

/** `Build image, attempt 1, stage Build`. */
function jobText(push: ImagePush): string {
  return [push.job.name ?? push.job.id, `attempt ${push.job.attempt}`, push.job.stage ? `stage ${push.job.stage}` : null]
    .filter(Boolean)
    .join(', ');
}

function agentText(push: ImagePush): string {
  const { name, os, selfHosted } = push.agent;
  const hosting = selfHosted === null ? null : selfHosted ? 'self-hosted' : push.github ? 'GitHub-hosted' : 'Microsoft-hosted';
  return [name ?? (push.github ? 'unknown runner' : 'unknown agent'), os, hosting].filter(Boolean).join(', ');
}

/** A definition list of the push's details. */
export function pushDetails(push: ImagePush): HTMLElement {
  const item = (term: string, ...value: Array<Node | string>) => [h('dt', {}, term), h('dd', {}, ...value)];
  const g = push.github;
  return h(
    'dl',
    { class: 'details' },
    ...(g
      ? // A GitHub run (issue 13): its workflow, the run attempt on GitHub, the event that started it.
        [
          ...item('Workflow', `${g.workflow} (${g.repository})`, ' · ', g.workflowRef),
          ...item(
            'Run',
            externalLink(g.runUrl, `#${g.runNumber}, attempt ${g.runAttempt} (id ${g.runId})`),
            g.eventName ? ` · on ${g.eventName}` : '',
          ),
        ]
      : [
          ...item('Pipeline', `${push.pipeline.name} (${push.organization.name}/${push.project.name})`),
          ...item(
            'Run',
            externalLink(push.run.url, `${push.run.number} (id ${push.run.id})`),
            ' · ',
            h('a', { href: runHref(push) }, 'run page'),
          ),
        ]),
    ...item('Job', jobText(push)),
    ...item(g ? 'Runner' : 'Agent', agentText(push)),
    ...item('Pushed at', h('time', { datetime: push.pushedAt }, push.pushedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z'))),
    ...item('Image', push.reference),
    ...item('Commit', push.commit ? externalLink(g ? g.commitUrl : commitUrl(push), push.commit.slice(0, 12)) : 'unknown'),
    ...item('Branch', push.branch ?? 'unknown'),
    ...item(
      'Repository',
      externalLink(
        push.sourceRepository.url && withoutUser(push.sourceRepository.url),
        push.sourceRepository.name ?? push.sourceRepository.url ?? 'unknown',
      ),
    ),
    ...item('Attribution', push.attribution === 'ambiguous' ? `ambiguous: ${push.attributionReason ?? 'no reason recorded'}` : 'exclusive'),
  );
}
