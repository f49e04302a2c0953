/**
 * The step's log: one collapsible group with a few plain lines, and the agent's logging
 * commands the task sends. Written straight to file descriptor 1: no path needs task-lib,
 * and not even `process.stdout` (whose stream machinery costs milliseconds to set up on a pipe).
 * The commands are formatted as azure-pipelines-task-lib formats them (node/taskcommand.ts,
 * `TaskCommand.toString`: `##vso[command key=value;…]data`, values and data escaped).
 */
import { writeSync } from 'node:fs';

function write(text: string): void {
  try {
    writeSync(1, text);
  } catch {
    // A non-blocking pipe that is full (EAGAIN): let the stream queue it.
    process.stdout.write(text);
  }
}

// Shared through Node's `global` (not `globalThis`, which Node 10 lacks): index.js and the
// lazily loaded collect.js each bundle a copy of this module, and there must still be exactly one group.
const state = ((global as { __containerMappingOutput?: { open: boolean } }).__containerMappingOutput ??= { open: false });

/** Opens the step's group (once). */
export function startGroup(title = 'Container mapping'): void {
  if (state.open) return;
  state.open = true;
  write(`##[group]${title}\n`);
}

/** Writes one plain line inside the group. Lines never start with `##` so they cannot be read as commands. */
export function info(line: string): void {
  startGroup();
  write(`${line.replace(/^#+/, '').replace(/\r?\n/g, ' ')}\n`);
}

/** Escapes a logging command's data the way the agent unescapes it. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%AZP25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a logging command's property value the way the agent unescapes it (task-lib's `escape`). */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/]/g, '%5D').replace(/;/g, '%3B');
}

/** Writes `##vso[name key=value;…]data` on a line of its own (outside any grouping: the agent consumes it). */
export function command(name: string, properties: Record<string, string | undefined>, data: string): void {
  const pairs = Object.keys(properties)
    .filter((key) => properties[key])
    .map((key) => `${key}=${escapeCommandProperty(properties[key] ?? '')};`);
  write(`##vso[${name}${pairs.length > 0 ? ` ${pairs.join('')}` : ''}]${escapeCommandData(data)}\n`);
}

/**
 * Masks a value in every later line of the job's log (`task.setsecret`). The agent masks a
 * secret line by line, so a value with line breaks is registered one line at a time.
 */
export function setSecret(value: string): void {
  for (const line of value.split(/\r?\n/)) if (line) command('task.setsecret', {}, line);
}

/** Attaches a file to the run (`task.addattachment`), for the service's backfill to collect. */
export function addAttachment(type: string, name: string, path: string): void {
  command('task.addattachment', { type, name }, path);
}

/**
 * Ends the step SucceededWithIssues (`task.complete` with `done=true`, the step's final result),
 * with the warning task-lib's `setResult` files beside it (`task.issue`, source TaskInternal).
 */
export function succeedWithIssues(message: string, correlationId: string | undefined): void {
  command('task.issue', { type: 'warning', source: 'TaskInternal', correlationId }, message);
  command('task.complete', { result: 'SucceededWithIssues', done: 'true' }, message);
}

/** Writes a debug line (`task.debug`: shown when the run has System.Debug). */
export function debug(line: string): void {
  command('task.debug', {}, line);
}

/** Writes a warning (`task.logissue`: shown in the job's summary, never fails the job). */
export function warn(line: string): void {
  startGroup();
  write(`##vso[task.logissue type=warning]${escapeCommandData(line)}\n`);
}

/** Closes the group, when one is open. */
export function endGroup(): void {
  if (!state.open) return;
  state.open = false;
  write('##[endgroup]\n');
}
