// Which proxy a hook's requests go through:
//   proxy = "http://user:pass@proxy:3128"   this proxy (config `proxy`), whatever the environment
//   otherwise                               HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and their lower-case
//                                           forms), with undici's EnvHttpProxyAgent semantics: an
//                                           https url uses HTTPS_PROXY, else HTTP_PROXY; NO_PROXY
//                                           lists hosts (and their subdomains, `host:port`, `*`)
//                                           to reach directly
// A loopback receiver (localhost, 127.0.0.0/8, ::1) is never sent through an environment proxy
// (as Go's net/http does): a proxy cannot reach the sender's own loopback.
// https urls are tunnelled with CONNECT (the proxy sees only the host name); http urls too.
// Credentials in the proxy URL are sent as Proxy-Authorization: Basic, never logged.
import { UsageError } from '../../util/errors.js';
import { redactUrl } from '../../telemetry/logger.js';

export type ProxySetting =
  | { kind: 'direct' }
  | { kind: 'env' }
  /** `uri` carries the credentials; `display` does not */
  | { kind: 'url'; uri: string; display: string };

const ENV_NAMES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];

/** The proxy for requests to `target`. Throws UsageError for a bad `proxy` URL. */
export function proxySetting(target: URL, proxy: string | undefined, env: NodeJS.ProcessEnv = process.env): ProxySetting {
  if (proxy !== undefined) {
    let u: URL;
    try {
      u = new URL(proxy);
    } catch {
      throw new UsageError('proxy is not a valid URL (expected e.g. http://proxy.example:3128)'); // not echoed: it may carry a password
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`proxy must be an http:// or https:// URL, got "${u.protocol}"`);
    if (u.pathname !== '/' && u.pathname !== '') throw new UsageError(`proxy ${redactUrl(proxy)}: a proxy URL has no path`);
    return { kind: 'url', uri: u.href, display: redactUrl(u.href) };
  }
  if (!ENV_NAMES.some((n) => env[n])) return { kind: 'direct' };
  if (isLoopback(target.hostname)) return { kind: 'direct' };
  return { kind: 'env' };
}

/** The proxy as logs and status may show it. */
export function describeProxy(p: ProxySetting, env: NodeJS.ProcessEnv = process.env, target?: URL): string | null {
  if (p.kind === 'direct') return null;
  if (p.kind === 'url') return p.display;
  const name = target?.protocol === 'https:' && (env.https_proxy || env.HTTPS_PROXY) ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const value = name === 'HTTPS_PROXY' ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  return value ? `${redactUrl(value)} (${name}${env.no_proxy || env.NO_PROXY ? ', NO_PROXY applies' : ''})` : null;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
