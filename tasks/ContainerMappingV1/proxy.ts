/**
 * Decisions about the agent's web proxy (pure): whether a request goes through it, and the
 * header that authenticates to it. The connections themselves are made in `deliver.ts` and by
 * azure-devops-node-api (`pipelineApi.ts`). The Docker engine is never reached through it.
 */
import type { ProxySettings } from './settings';

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

/** The proxy as azure-devops-node-api's `IRequestOptions.proxy` takes it (it applies the bypass list itself). */
export function apiProxyOptions(proxy: ProxySettings): {
  proxyUrl: string;
  proxyUsername?: string;
  proxyPassword?: string;
  proxyBypassHosts: string[];
} {
  const options: { proxyUrl: string; proxyUsername?: string; proxyPassword?: string; proxyBypassHosts: string[] } = {
    proxyUrl: proxy.url,
    proxyBypassHosts: [...proxy.bypass],
  };
  // Its HTTP client sends `user:password` whenever either is set; only a user name makes us authenticate.
  if (proxy.username !== undefined) {
    options.proxyUsername = proxy.username;
    options.proxyPassword = proxy.password ?? '';
  }
  return options;
}
