/**
 * Reads a registry's `WWW-Authenticate` challenge (distribution spec, "Token Authentication
 * Specification": `Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/web:pull"`;
 * htpasswd registries answer `Basic realm="…"`). Pure.
 */

/** A challenge the client can answer. */
export type Challenge =
  | { readonly scheme: 'bearer'; readonly realm: string; readonly service: string | null; readonly scope: string | null }
  | { readonly scheme: 'basic' };

const PARAM = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;

/** The challenge in a `WWW-Authenticate` value; `null` when it is absent or neither Bearer (with a realm) nor Basic. */
export function parseChallenge(header: string | null): Challenge | null {
  if (header === null) return null;
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return null;
  const scheme = (match[1] ?? '').toLowerCase();
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme !== 'bearer') return null;
  const params = new Map<string, string>();
  for (const m of (match[2] ?? '').matchAll(PARAM)) {
    params.set((m[1] ?? '').toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  const realm = params.get('realm');
  if (!realm) return null;
  return { scheme: 'bearer', realm, service: params.get('service') ?? null, scope: params.get('scope') ?? null };
}
