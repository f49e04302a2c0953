/**
 * What the page's seeded services share (seededService.ts, largeResult.ts): `serve` on a SQLite file of its own
 * with static tokens, seeded through its routes by the caller, and removed whole on stop or on a failed seed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken } from '../../../service/src/auth/staticTokens';
import { freePort, startService, type ServiceProcess } from '../../e2e/support/serviceProcess';

/** One static token: its configured name, the token, its scopes. */
export interface StaticToken {
  name: string;
  token: string;
  scopes: Array<'ingest' | 'read' | 'inventory' | 'remediate'>;
}

/** POSTs `body` (text as it is, anything else as JSON) with `token`; fails the test unless the service stored it. */
export async function post(url: string, token: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok([200, 201, 202].includes(response.status), `${url}: ${response.status} ${text.slice(0, 500)}`);
}

/**
 * Starts `serve` on a fresh SQLite file with `tokens` (and `env`), runs `seed` against its base URL, and returns the
 * base URL with a stop that also removes the file. A seed that throws stops the service first.
 */
export async function startSqliteService<T>(
  options: { prefix: string; tokens: readonly StaticToken[]; readOpen?: boolean; env?: Record<string, string> },
  seed: (base: string) => Promise<T>,
): Promise<{ url: string; seeded: T; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `${options.prefix}-`));
  let service: ServiceProcess | undefined;
  try {
    service = await startService(await freePort(), {
      CM_DATABASE_URL: `sqlite:${join(dir, 'mappings.db')}`,
      CM_READ_OPEN: options.readOpen ? 'true' : 'false',
      CM_TOKENS: JSON.stringify(options.tokens.map((t) => ({ name: t.name, sha256: hashToken(t.token), scopes: t.scopes }))),
      ...options.env,
    });
    const base = service.url.replace(/\/$/, '');
    const seeded = await seed(base);
    const running = service;
    return {
      url: base,
      seeded,
      async stop() {
        await running.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
