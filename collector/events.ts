/**
 * Docker engine events: parsing the `/events` stream and the time window it is asked for.
 * Pure: the request itself lives in `engine.ts`.
 */

/** The engine keeps only its most recent events in memory (moby's `eventsLimit`). */
export const ENGINE_EVENT_BUFFER = 256;

/** One engine event, reduced to what the task uses. */
export interface EngineEvent {
  /** `image`, `container`, `network`, … */
  type: string;
  /** `push`, `tag`, `untag`, `delete`, … */
  action: string;
  /** For `push`: the pushed reference (`host:5000/team/app:1`); for `tag`: the image ID. */
  actorId: string;
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch (as a double: sub-microsecond precision is not needed). */
  timeNano: number;
}

/** Parses the engine's event stream (one JSON object per line); lines that are not events are counted, not thrown. */
export function parseEvents(text: string): { events: EngineEvent[]; malformed: number } {
  const events: EngineEvent[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const event = parseEvent(line);
    if (event) events.push(event);
    else malformed++;
  }
  events.sort((a, b) => a.timeNano - b.timeNano);
  return { events, malformed };
}

function parseEvent(line: string): EngineEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const actor = (typeof r.Actor === 'object' && r.Actor !== null ? r.Actor : {}) as Record<string, unknown>;
  const type = str(r.Type) ?? str(r.type);
  const action = str(r.Action) ?? str(r.status);
  const actorId = str(actor.ID) ?? str(r.id);
  const timeNano = typeof r.timeNano === 'number' ? r.timeNano : typeof r.time === 'number' ? r.time * 1e9 : undefined;
  if (!type || !action || !actorId || timeNano === undefined) return undefined;
  const attributes: Record<string, string> = {};
  if (typeof actor.Attributes === 'object' && actor.Attributes !== null) {
    for (const [k, v] of Object.entries(actor.Attributes)) if (typeof v === 'string') attributes[k] = v;
  }
  return { type, action, actorId, attributes, timeNano };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Formats epoch milliseconds as the engine's `since`/`until` parameter: seconds with nanoseconds. */
export function engineTimestamp(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const seconds = Math.floor(whole / 1000);
  const micros = Math.round((epochMs - seconds * 1000) * 1000);
  return `${seconds}.${String(micros).padStart(6, '0')}000`;
}

/** The `/events` path for a window. Unfiltered on purpose: one answer carries the pushes,
 * the tag events that tell which image a tag held, and the evidence of truncation. */
export function eventsPath(sinceMs: number, untilMs: number): string {
  return `/events?since=${engineTimestamp(sinceMs)}&until=${engineTimestamp(untilMs)}`;
}

/**
 * Whether events of the window may have been dropped: the engine's buffer is full of events
 * and even its oldest one is later than the window's start.
 */
export function mayBeTruncated(events: readonly EngineEvent[], sinceMs: number): boolean {
  if (events.length < ENGINE_EVENT_BUFFER) return false;
  const oldest = events[0];
  return oldest !== undefined && oldest.timeNano > sinceMs * 1e6;
}

/**
 * Whether the engine started after `sinceMs`: its event buffer, emptied at every start, then
 * holds nothing from before, so a push made before the restart cannot be seen.
 */
export function engineRestarted(engineStartedMs: number | undefined, sinceMs: number): boolean {
  return sinceMs > 0 && engineStartedMs !== undefined && engineStartedMs > sinceMs;
}

/** The push events at or after `sinceMs`. */
export function pushEvents(events: readonly EngineEvent[], sinceMs: number): EngineEvent[] {
  const since = sinceMs * 1e6;
  return events.filter((e) => e.type === 'image' && e.action === 'push' && e.timeNano >= since);
}

/**
 * Parses a time the agent gives us (`System.PipelineStartTime` is `2026-11-28 17:22:01+00:00`,
 * the timeline's is ISO 8601) into epoch milliseconds.
 */
export function parseAgentTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = text.trim();
  // "YYYY-MM-DD HH:MM:SS±HH:MM": make it ISO so every engine parses it the same way.
  const iso = /^\d{4}-\d{2}-\d{2} \d/.test(t) ? t.replace(' ', 'T') : t;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
