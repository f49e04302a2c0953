/**
 * The full collection, the same for every host, run only when the first look found something
 * to report: the pushed images in the job's window and their digests, BuildKit's and buildx's
 * own records, the report, its delivery. Everything it does to the outside world goes through
 * `CollectionDependencies` (the engine, the registries, the service, the disk, the clock) and
 * `CollectionHost` (what only the host knows: where the job's window starts, the service's
 * credentials, the report's run section, where an undelivered report is kept, the step's log),
 * so that every branch is tested without an engine, an organisation or a runner.
 *
 * The Azure DevOps task builds its host in tasks/ContainerMappingV1/collection.ts (timeline,
 * job OIDC token, run attachment, agent commands). A GitHub Action would build one from its
 * `pre` step's state (window start), `core.getIDToken` (credentials), a workflow artifact
 * (the fallback) and core's logging.
 */
import type { PushedImage, ReportCollector, ReportWarning, ReportWindow } from '../common/report';
import type { EngineLook } from './firstLook';
import type { DockerEndpoint } from './dockerHost';
import { engineRestarted, mayBeTruncated, pushEvents } from './events';
import { planPushes, resolvePushes, untaggedRepositories, type InspectImage } from './pushes';
import type { RegistryDigestLookup } from './registryDigest';
import { imagesFromMetadata, type MetadataFile } from './buildx';
import { describeCredential, type Credential, type CredentialKind, type DeliveryOptions, type DeliveryResult } from './deliver';
import type { ProxySettings } from './proxy';
import { buildSigns } from './buildkitSigns';
import { collectBuildHistory, mergeImages, unresolvedWarnings, type ReadBuildHistory } from './buildkitCollection';
import { describeImage, type ReportParts } from './report';

/** Everything the collection does outside its own memory, the same for every host. */
export interface CollectionDependencies {
  /**
   * Image lookups on the engine at `endpoint`, each bounded by `timeoutMs`, asked with the API
   * version negotiated from `engineApiVersion` (the first look's `Api-Version`; see apiVersion.ts).
   */
  inspector(endpoint: DockerEndpoint, timeoutMs: number, engineApiVersion: string | undefined): InspectImage;
  /**
   * The engine's tags of a repository (`registry/repository` → normalised `registry/repository:tag`),
   * for `push --all-tags`, asked with the negotiated API version like `inspector`.
   */
  repositoryTags(
    endpoint: DockerEndpoint,
    timeoutMs: number,
    engineApiVersion: string | undefined,
  ): (repository: string) => Promise<string[]>;
  /** Asks registries for a pushed tag's digest, each request bounded by `timeoutMs` (see registryDigest.ts). */
  registryDigest(timeoutMs: number): RegistryDigestLookup;
  /** Posts the report to the service; never throws (see deliver.ts). */
  deliverReport(options: DeliveryOptions): Promise<DeliveryResult>;
  /** Reads buildx metadata files, skipping those that vanished. */
  readMetadataFiles(paths: readonly string[]): MetadataFile[];
  /** BuildKit's build history on the engine (see buildkitCollection.ts); absent: not read. */
  readBuildHistory?: ReadBuildHistory;
  /** Epoch milliseconds now. */
  now(): number;
}

/** The step's log, as the host writes it. */
export interface CollectionLog {
  /** Writes a plain line. */
  info(line: string): void;
  /** Writes a warning shown in the job's summary. */
  warn(line: string): void;
}

/** The bearer tokens for the service, in order of preference, or why there is none. */
export interface ServiceCredentials {
  credentials: Credential[];
  /** Why there is no credential (named in the fallback's warning when the service refused the report). */
  note?: string;
}

/** The service a host reports to, or why there is none. */
export type ServiceTarget = { url: string; proxy?: ProxySettings } | { missing: string };

/** What only the host knows and does. `R` is the report the host builds (the task: schema version 1). */
export interface CollectionHost<R extends { warnings: ReportWarning[] }> {
  log: CollectionLog;
  /** The collector's name and version, as the report states them. */
  collector: Pick<ReportCollector, 'name' | 'version'>;
  service: ServiceTarget;
  /**
   * The job's window, ending at `until` (the first look's moment); or, when its start is unknown,
   * why (logged as "Nothing reported: <reason>."). A problem met on the way is added to `warnings`.
   */
  jobWindow(until: string, warnings: ReportWarning[]): Promise<{ window: ReportWindow } | { unknown: string }>;
  /**
   * The service's credentials. Asked as soon as something to report is likely, while the images
   * are resolved; only when a service is configured. Never rejects.
   */
  credentials(): Promise<ServiceCredentials>;
  /** The report from what was found; or, when the run cannot be identified, why (logged as "Nothing reported: <reason>."). */
  buildReport(parts: ReportParts): { report: R } | { unknown: string };
  /** How the log names each kind of credential; default the task's (`describeCredential`: "the static token (ContainerMapping.Token)"). */
  credentialName?: (kind: CredentialKind) => string;
  /** The run as the log's summary names it ("run 20261128.3"). */
  runLabel(report: R): string;
  /**
   * Keeps a report the service did not take, where the host can (the task: a run attachment),
   * and says so in the log; `problem` says why it was not delivered.
   */
  keepUndelivered(report: R, problem: string, imageCount: number): void;
}

const INSPECT_TIMEOUT_MS = 5000;
/** At most this many images are inspected ahead of the job's window (see `inspectAhead`). */
const INSPECT_AHEAD_LIMIT = 20;
const REGISTRY_TIMEOUT_MS = 5000;
const DELIVERY_ATTEMPT_TIMEOUT_MS = 10000;
const BUILD_HISTORY_TIMEOUT_MS = 5000;

/** The time a step may take, at most `capMs`, leaving half a second before the deadline (never under 200 ms). */
export function timeLeft(look: Pick<EngineLook, 'deadlineMs'>, capMs: number, now: () => number): number {
  return Math.max(200, Math.min(capMs, look.deadlineMs - now() - 500));
}

/**
 * The engine's image lookups, started at once for the pushes of the first look's window, while
 * the host reads the job's own window (the timeline, a round trip to the organisation). The job's
 * window starts at or after the first look's, so its pushes are among these; a lookup asked here
 * is handed over when the collection asks for the same image, and any other is asked then. At
 * most `INSPECT_AHEAD_LIMIT` are asked ahead: more pushes than that in the first look's window
 * means earlier jobs of the run pushed on this engine, whose images need no lookup.
 * `--all-tags` pushes are not planned here (their tags are listed first), nor asked ahead.
 */
function inspectAhead(look: EngineLook, deps: CollectionDependencies): InspectImage {
  // Each lookup's time budget is what is left when it is asked.
  const inspector = () => deps.inspector(look.endpoint, timeLeft(look, INSPECT_TIMEOUT_MS, deps.now), look.engine?.apiVersion);
  const asked = new Map<string, ReturnType<InspectImage>>();
  const pushes = pushEvents(look.events, look.probeSinceMs);
  if (pushes.length > 0 && pushes.length <= INSPECT_AHEAD_LIMIT) {
    const inspect = inspector();
    for (const push of planPushes(look.events, pushes).pushes) {
      const key = push.imageId ?? push.name;
      if (asked.has(key)) continue;
      const answer = inspect(key);
      // Never used when the job's window leaves that push out: its failure must not count as unhandled.
      answer.catch(() => undefined);
      asked.set(key, answer);
    }
  }
  let later: InspectImage | undefined;
  return (nameOrId) => {
    const answer = asked.get(nameOrId);
    if (answer) {
      // Handed over once; the same image asked again goes to the engine again, as it did before.
      asked.delete(nameOrId);
      return answer;
    }
    later ??= inspector();
    return later(nameOrId);
  };
}

/** A few lines at most: the report carries every warning. */
function printNotes(warnings: readonly ReportWarning[], log: CollectionLog): void {
  for (const w of warnings.slice(0, 3)) log.info(`Note: ${w.message}`);
  if (warnings.length > 3) log.info(`Note: and ${warnings.length - 3} more in the report.`);
}

/** Runs the full collection for a first look that found work. Never throws to the caller on expected failures. */
export async function collectAndReport<R extends { warnings: ReportWarning[] }>(
  look: EngineLook,
  deps: CollectionDependencies,
  host: CollectionHost<R>,
): Promise<void> {
  const { log } = host;
  const warnings: ReportWarning[] = [];
  if (look.engineProblem) warnings.push({ code: 'engine-unavailable', message: `Docker engine: ${look.engineProblem}.` });
  const inspect = inspectAhead(look, deps);
  const windowed = await host.jobWindow(new Date(look.untilMs).toISOString(), warnings);
  if ('unknown' in windowed) {
    log.info(`Nothing reported: ${windowed.unknown}.`);
    return;
  }
  const { window } = windowed;
  const sinceMs = Date.parse(window.since);

  const pushes = pushEvents(look.events, sinceMs);
  // Podman keeps its whole events log: no buffer to overrun.
  const truncated = look.eventsRead && !look.podman && mayBeTruncated(look.events, sinceMs);
  if (truncated) {
    warnings.push({
      code: 'events-truncated',
      message:
        "The Docker engine keeps only its last 256 events and the oldest it still has is newer than the job's start: pushes early in the job may be missing.",
    });
  }
  const restarted = look.eventsRead && !look.podman && engineRestarted(look.engineStartedMs, sinceMs);
  if (restarted && look.engineStartedMs !== undefined) {
    warnings.push({
      code: 'engine-restarted',
      message: `The Docker engine started at ${new Date(look.engineStartedMs).toISOString()}, after the job started, and keeps its events only since then: pushes made before it (re)started may be missing.`,
    });
  }
  // Something to report is likely: ask for the service's token while the images are resolved.
  const signs = buildSigns(look.events, sinceMs, look.engine?.apiVersion);
  const built = signs.engineBuild || signs.containerBuilders.length > 0;
  const likely = pushes.length > 0 || truncated || restarted || built || look.metadataFiles.length > 0;
  const credentialsRequest = 'url' in host.service && likely ? host.credentials() : undefined;
  // BuildKit's pushes (Docker 28+ logs no push event for them), read while the pushes are resolved.
  const historyRequest = collectBuildHistory(
    look.events,
    { sinceMs, untilMs: look.untilMs },
    look.endpoint,
    deps.now() + timeLeft(look, BUILD_HISTORY_TIMEOUT_MS, deps.now),
    deps.readBuildHistory,
    look.metadataFiles.length > 0,
    look.engine?.apiVersion,
  );
  let images: PushedImage[] = [];
  if (pushes.length > 0) {
    const untagged = untaggedRepositories(pushes);
    const listTags =
      untagged.length > 0
        ? deps.repositoryTags(look.endpoint, timeLeft(look, INSPECT_TIMEOUT_MS, deps.now), look.engine?.apiVersion)
        : undefined;
    const localTags = new Map(await Promise.all(untagged.map(async (r) => [r, listTags ? await listTags(r) : []] as const)));
    const plan = planPushes(look.events, pushes, localTags);
    warnings.push(...plan.warnings);
    const resolved = await resolvePushes(plan.pushes, inspect, deps.registryDigest(timeLeft(look, REGISTRY_TIMEOUT_MS, deps.now)));
    images = resolved.images;
    warnings.push(...resolved.warnings);
  }
  const history = await historyRequest;
  mergeImages(images, history.images);
  warnings.push(...history.warnings);
  const buildx = imagesFromMetadata(deps.readMetadataFiles(look.metadataFiles));
  mergeImages(images, buildx.images);
  warnings.push(...buildx.warnings);
  warnings.push(...unresolvedWarnings(history.unresolved, images));

  if (
    images.length === 0 &&
    !truncated &&
    !restarted &&
    warnings.every((w) => w.code === 'engine-unavailable' || w.code === 'timeline-unavailable')
  ) {
    log.info('Nothing to report: no image was pushed in this job.');
    return;
  }

  const collector: ReportCollector = { name: host.collector.name, version: host.collector.version };
  if (look.engine?.serverVersion) collector.dockerServerVersion = look.engine.serverVersion;
  if (look.engine?.apiVersion) collector.dockerApiVersion = look.engine.apiVersion;
  const outcome = host.buildReport({ collector, window, images, warnings });
  if ('unknown' in outcome) {
    log.info(`Nothing reported: ${outcome.unknown}.`);
    return;
  }
  const { report } = outcome;

  const summary =
    images.length === 0
      ? `No pushed image found in ${host.runLabel(report)}`
      : `Mapped ${images.length} pushed image${images.length === 1 ? '' : 's'} to ${host.runLabel(report)}: ${images.slice(0, 5).map(describeImage).join(', ')}${images.length > 5 ? `, and ${images.length - 5} more` : ''}`;

  let problem: string;
  if ('missing' in host.service) {
    problem = host.service.missing;
  } else {
    const { credentials = [], note } = (await credentialsRequest) ?? {};
    const credentialName = host.credentialName ?? describeCredential;
    const result = await deps.deliverReport({
      serviceUrl: host.service.url,
      credentials,
      body: JSON.stringify(report),
      attemptTimeoutMs: DELIVERY_ATTEMPT_TIMEOUT_MS,
      deadlineMs: look.deadlineMs - 1000,
      proxy: host.service.proxy,
      credentialName,
    });
    if (result.delivered) {
      log.info(`${summary}.`);
      // Which credential the service took, when it refused the first: never the token itself.
      if (result.refused && result.credential) {
        log.info(
          `The service refused ${credentialName(result.refused.credential)} (${result.refused.status}) and accepted ${credentialName(result.credential)}.`,
        );
      }
      printNotes(report.warnings, log);
      return;
    }
    problem = `${result.problem ?? 'not delivered'}${credentials.length > 0 ? '' : `; ${note}`}`;
  }

  log.info(`${summary}.`);
  printNotes(report.warnings, log);
  host.keepUndelivered(report, problem, images.length);
}
