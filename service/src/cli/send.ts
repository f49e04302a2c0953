/**
 * Sends an import to a running service: where (`--url`, CM_URL), as whom (`--token`, CM_TOKEN), and the
 * service's problem document turned into one line when it refuses.
 */
import type { CommandIo } from './command';

/** The service to send to, from the flags or else the environment. */
export interface ServiceTarget {
  url: string;
  token?: string;
}

/** `--url` or CM_URL (default http://localhost:8080), `--token` or CM_TOKEN. */
export function serviceTarget(values: { url?: string; token?: string }, io: CommandIo): ServiceTarget {
  const url = values.url ?? io.env.CM_URL ?? 'http://localhost:8080';
  const token = values.token ?? io.env.CM_TOKEN;
  return token ? { url, token } : { url };
}

/** True when the flags or the environment name a service to send to. */
export function targetGiven(values: { url?: string }, io: CommandIo): boolean {
  return values.url !== undefined || io.env.CM_URL !== undefined;
}

/** The service refused an import: its status and the problem's `detail`. */
export class ServiceRefusedError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`the service answered ${status}: ${detail}`);
    this.name = 'ServiceRefusedError';
  }
}

/**
 * POSTs a JSON body as it is (the service, not the CLI, says where it is wrong) and returns the parsed answer.
 * @throws ServiceRefusedError for any answer but 2xx; fetch's own errors when the service cannot be reached.
 */
export async function postJson(target: ServiceTarget, path: string, body: string | Buffer): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const response = await fetch(new URL(path, target.url), { method: 'POST', headers, body });
  const text = await response.text();
  let answer: unknown = null;
  try {
    answer = JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML error page: the status alone says what happened.
  }
  if (!response.ok) {
    const detail = (answer as { detail?: unknown } | null)?.detail;
    throw new ServiceRefusedError(response.status, typeof detail === 'string' ? detail : text.slice(0, 200) || 'no detail');
  }
  return answer;
}
