/**
 * The read token for this browser tab's session: kept in sessionStorage only (gone when the tab
 * closes), sent as a Bearer header by api.ts, never put in a URL.
 */
const KEY = 'container-mapping.readToken';

export function savedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
