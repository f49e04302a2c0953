/**
 * Decisions about the web proxy a host configured (pure): whether a request goes through it,
 * and the header that authenticates to it. The connections themselves are made in `deliver.ts`
 * (and by each host's own REST client). The Docker engine is never reached through it.
 */

/**
 * A web proxy, as a host hands it over (the Azure DevOps agent: `Agent.ProxyUrl`,
 * `Agent.ProxyUsername`, `Agent.ProxyPassword`, `Agent.ProxyBypassList`; see the task's settings.ts).
 */
export interface ProxySettings {
  /** The proxy's origin, `http://proxy.example:8080`, never with credentials. */
  url: string;
  username?: string;
  /** Secret. */
  password?: string;
  /**
   * Regular expressions (from the agent's `.proxybypass`), matched case-insensitively against
   * a request's whole URL, as task-lib and azure-devops-node-api match them: a match goes direct.
   * Only those that compile are kept.
   */
  bypass: string[];
}

/**
 * The proxy a request to `url` goes through, or undefined to go direct: direct when there is
 * no proxy or one of the bypass expressions matches the whole URL (case-insensitively, as
 * task-lib's `getHttpProxyConfiguration(requestUrl)` and azure-devops-node-api match them).
 * Loopback targets are not exempt: the agent's bypass list alone decides.
 */
export function proxyFor(proxy: ProxySettings | undefined, url: string): ProxySettings | undefined {
  if (!proxy) return undefined;
  const href = new URL(url).href;
  return proxy.bypass.some((pattern) => new RegExp(pattern, 'i').test(href)) ? undefined : proxy;
}

/** `Proxy-Authorization: Basic …` for a proxy with a user name; undefined without one. */
export function proxyAuthorization(proxy: ProxySettings): string | undefined {
  if (proxy.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`, 'utf8').toString('base64')}`;
}
