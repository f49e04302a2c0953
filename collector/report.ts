/**
 * What the collection found, handed to the host to build its report from (pure). The report
 * itself names the run in the host's terms (the task: tasks/ContainerMappingV1/buildReport.ts,
 * schema version 1), so each host builds its own from these parts.
 */
import type { PushedImage, ReportCollector, ReportWarning, ReportWindow } from '../common/report';

/** What goes into a report besides the run's identity. */
export interface ReportParts {
  collector: ReportCollector;
  window: ReportWindow;
  images: PushedImage[];
  warnings: ReportWarning[];
}

/** One line per image for the log: `host/repo:tag → sha256:…`. */
export function describeImage(image: PushedImage): string {
  const tag = image.tag !== undefined ? `:${image.tag}` : '';
  return `${image.registry}/${image.repository}${tag} → ${image.digest}`;
}
