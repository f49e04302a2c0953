/**
 * The flags that set configuration, shared by `serve`, `migrate` and `backfill`: derived from the
 * names written on the settings' schema (`SETTINGS` in config.ts), plus `--config` for a JSON file.
 */
import { SETTINGS, type ServiceConfig } from '../config';

/** A `node:util` `parseArgs` option. */
type FlagOption = { type: 'string' } | { type: 'boolean' };

function flagName(flag: string): string {
  return flag.replace(/^--/, '');
}

/** `parseArgs` options for every setting that has a flag, and `--config`. */
export const CONFIG_FLAGS: { config: { type: 'string' } } & Record<string, FlagOption> = {
  config: { type: 'string' },
  ...Object.fromEntries(
    SETTINGS.flatMap((s) =>
      s.flag === undefined ? [] : [[flagName(s.flag), s.kind === 'boolean' ? { type: 'boolean' } : { type: 'string' }] as const],
    ),
  ),
};

/** Turns parsed flags into settings as text, for `loadConfig`'s `flags`. */
export function flagsToSettings(values: Record<string, unknown>): Partial<Record<keyof ServiceConfig, string>> {
  const out: Partial<Record<keyof ServiceConfig, string>> = {};
  for (const s of SETTINGS) {
    if (s.flag === undefined) continue;
    const value = values[flagName(s.flag)];
    if (s.kind === 'boolean') {
      if (value === true) out[s.key] = String(s.flagSets ?? true);
    } else if (typeof value === 'string') {
      out[s.key] = value;
    }
  }
  return out;
}

/** The flags for a usage line: `[--port 8080] [--read-open] …`, each with its default as example. */
export function configFlagsUsage(defaults: ServiceConfig): string {
  return SETTINGS.flatMap((s) => {
    if (s.flag === undefined) return [];
    return [s.kind === 'boolean' ? `[${s.flag}]` : `[${s.flag} ${String(defaults[s.key])}]`];
  }).join(' ');
}
