/**
 * The "Ask the owning team to fix" panel: for the rows asked about, first looks (a dry run of
 * `POST /api/v1/remediations`: which open work items exist, which would be filed), then files on
 * request and shows the link of every work item. The service files with its own PAT; a token
 * without the remediate scope gets the reason, and the File button stays disabled.
 */
import { ApiError, type ApiClient } from '../api';
import { externalLink, h } from '../dom';
import type { ExplorerQuery } from '../query';
import { hasPlanned, refusalText, remediationRequest, selectedImages, workItemLines, type SelectedImage } from '../remediation';
import type { TableRow } from '../rows';
import type { RemediationResult } from '../types';

/** What happened for one image: looking or filing, then its answer or the refusal. */
type Outcome = { state: 'busy' } | { state: 'answered'; result: RemediationResult } | { state: 'refused'; status: number; text: string };

/** The panel: place `element` on the page, call `ask` with the rows to hand off. */
export interface RemediationPanel {
  element: HTMLElement;
  ask(rows: readonly TableRow[]): void;
}

function refusal(err: unknown): { state: 'refused'; status: number; text: string } {
  if (err instanceof ApiError) return { state: 'refused', status: err.status, text: refusalText(err.status, err.problem?.detail ?? null) };
  return { state: 'refused', status: 0, text: `The service could not be asked: ${err instanceof Error ? err.message : String(err)}` };
}

/** A panel that asks through `api` with the query's severity and narrowing. */
export function remediationPanel(api: ApiClient, query: ExplorerQuery): RemediationPanel {
  // The heading and the button stay in place while the rest is redrawn, so that focus on them is kept.
  const title = h('h3', { id: 'remediation-title', tabindex: '-1' }, 'Ask the owning team to fix');
  const list = h('ul', { class: 'remediation-items' });
  const reasonLine = h('p', { class: 'note', id: 'remediation-reason' });
  const fileButton = h('button', { type: 'button', class: 'primary', 'aria-describedby': 'remediation-reason' });
  // One live region, kept, so that each new text is announced.
  const status = h('p', { class: 'status', role: 'status' });
  const element = h(
    'section',
    { class: 'remediation', 'aria-labelledby': 'remediation-title', hidden: true },
    title,
    list,
    reasonLine,
    fileButton,
    status,
  );
  let toFile: SelectedImage[] = [];
  fileButton.addEventListener('click', () => void file(toFile));
  let images: SelectedImage[] = [];
  const outcomes = new Map<string, Outcome>();
  /** Bumped by each `ask`, so that a slow answer to an older selection is dropped. */
  let generation = 0;

  const render = (announce: string) => {
    const answered = images.map((i) => outcomes.get(i.digest));
    const busy = answered.some((o) => o?.state === 'busy');
    const denied = answered.find((o) => o?.state === 'refused' && (o.status === 401 || o.status === 403));
    toFile = images.filter((i) => {
      const o = outcomes.get(i.digest);
      return o?.state === 'answered' && hasPlanned(o.result);
    });
    const reason = busy
      ? 'Looking for open work items…'
      : denied?.state === 'refused'
        ? denied.text
        : toFile.length === 0
          ? 'Nothing to file: every image listed has an open work item, or could not be handed off.'
          : `Files ${toFile.length === 1 ? 'one work item' : 'the work items listed as “files”'} with the service's Azure DevOps credentials.`;
    list.replaceChildren(
      ...images.map((image) => {
        const outcome = outcomes.get(image.digest);
        const lines =
          outcome === undefined || outcome.state === 'busy'
            ? [h('li', {}, 'looking…')]
            : outcome.state === 'refused'
              ? [h('li', { class: 'refused' }, outcome.text)]
              : workItemLines(outcome.result).map((line) =>
                  h(
                    'li',
                    { class: `work-item ${line.status}` },
                    line.url ? externalLink(line.url, line.label) : line.label,
                    `: ${line.text}`,
                  ),
                );
        return h('li', {}, h('span', { class: 'image-name' }, image.name), h('ul', {}, ...lines));
      }),
    );
    reasonLine.textContent = reason;
    fileButton.disabled = busy || denied !== undefined || toFile.length === 0;
    fileButton.textContent = toFile.length > 1 ? `File ${toFile.length} work items` : 'File the work item';
    status.textContent = announce;
    status.classList.toggle('error', denied !== undefined);
  };

  const askEach = async (targets: readonly SelectedImage[], dryRun: boolean, mine: number) => {
    await Promise.all(
      targets.map(async (image) => {
        let outcome: Outcome;
        try {
          outcome = { state: 'answered', result: await api.remediate(remediationRequest(query, image.digest, dryRun)) };
        } catch (err) {
          outcome = refusal(err);
        }
        if (mine === generation) outcomes.set(image.digest, outcome);
      }),
    );
  };

  const file = async (targets: readonly SelectedImage[]) => {
    const mine = ++generation;
    for (const image of targets) outcomes.set(image.digest, { state: 'busy' });
    render('Filing…');
    await askEach(targets, false, mine);
    if (mine !== generation) return;
    const created = targets.flatMap((i) => {
      const o = outcomes.get(i.digest);
      return o?.state === 'answered' ? o.result.workItems.filter((w) => w.status === 'created') : [];
    }).length;
    render(created === 1 ? 'Filed one work item.' : `Filed ${created} work items.`);
    title.focus();
  };

  return {
    element,
    ask(rows) {
      const mine = ++generation;
      images = selectedImages(rows);
      outcomes.clear();
      for (const image of images) outcomes.set(image.digest, { state: 'busy' });
      element.hidden = false;
      render('Looking for open work items…');
      title.focus();
      void askEach(images, true, mine).then(() => {
        if (mine === generation) render('Checked: the list says which work items exist and which would be filed.');
      });
    },
  };
}
