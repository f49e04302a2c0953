/** How the `query` commands ask a running service: `--url`/`CM_URL`, `--token`/`CM_TOKEN`. */
import type { CommandIo } from './command';

/** The flags every query command reads. */
export type Values = Record<string, string | boolean | undefined>;

/**
 * GETs `path` with `query` from the service, with the token as a bearer token.
 * @returns the parsed body, or `null` on 404.
 * @throws Error naming the status and the problem's detail on any other error.
 */
export async function fetchJson(values: Values, io: CommandIo, path: string, query: Record<string, string>): Promise<unknown> {
  const base = (typeof values.url === 'string' ? values.url : io.env.CM_URL) ?? 'http://localhost:8080';
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const token = typeof values.token === 'string' ? values.token : io.env.CM_TOKEN;
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status === 404) return null;
  const body = (await response.json()) as { detail?: string };
  if (!response.ok) throw new Error(`the service answered ${response.status}: ${body.detail ?? 'no detail'}`);
  return body;
}
