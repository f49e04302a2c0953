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

/** The schema's limits on a report's lists (common/report.ts: images and warnings). */
export const MAX_REPORT_IMAGES = 1000;
export const MAX_REPORT_WARNINGS = 100;

/**
 * The images and warnings a report carries, within the schema's limits: the first 1,000 images,
 * the first 100 warnings, each clipped, and a warning that says so when images were left out.
 */
export function withinReportLimits(parts: Pick<ReportParts, 'images' | 'warnings'>): Pick<ReportParts, 'images' | 'warnings'> {
  const warnings = parts.warnings
    .slice(0, MAX_REPORT_WARNINGS)
    .map((w) => ({ code: w.code.slice(0, 100), message: w.message.slice(0, 2000) }));
  if (parts.images.length > MAX_REPORT_IMAGES && warnings.length < MAX_REPORT_WARNINGS) {
    warnings.push({
      code: 'images-truncated',
      message: `${parts.images.length} images were pushed; the first ${MAX_REPORT_IMAGES} are reported.`,
    });
  }
  return { images: parts.images.slice(0, MAX_REPORT_IMAGES), warnings };
}
