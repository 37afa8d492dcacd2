// A copy of a Config fit to be shown: every value that came from ${env:} or ${file:} (wherever it
// ended up, whole or inside a longer string), header values, passwords, tokens, seeds, signing
// secrets, and the userinfo and query values of URLs become `***`.
import type { Config, HookConfig } from './schema.js';

export const MASK = '***';

export function maskConfig(config: Config, secrets: ReadonlySet<string>): Config {
  const known = [...secrets].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  // every string first (secrets may sit anywhere), then what is secret by its kind
  const copy = deepMap(config, (s) => known.reduce((out, secret) => out.split(secret).join(MASK), s)) as Config;
  return { ...copy, hooks: copy.hooks.map(maskHook) };
}

function maskHook(h: HookConfig): HookConfig {
  const tls = h.tls.clientKeyPassword !== undefined ? { ...h.tls, clientKeyPassword: MASK } : h.tls;
  if (h.kind === 'http') {
    return {
      ...h,
      tls,
      url: maskUrl(h.url),
      ...(h.defaultUrl !== undefined ? { defaultUrl: maskUrl(h.defaultUrl) } : {}),
      ...(h.proxy !== undefined ? { proxy: maskUrl(h.proxy) } : {}),
      headers: h.headers.map((x) => ({ name: x.name, value: MASK })),
      ...(h.signing ? { signing: { ...h.signing, secrets: h.signing.secrets.map(() => MASK) } } : {}),
      ...(h.auth ? { auth: h.auth.kind === 'bearer' ? { kind: 'bearer', token: MASK } : { kind: 'basic', user: h.auth.user, password: MASK } } : {}),
    };
  }
  if (h.kind === 'amqp') return { ...h, tls, url: maskUrl(h.url) };
  const auth = h.auth;
  return {
    ...h,
    tls,
    servers: h.servers.map(maskUrl),
    ...(auth
      ? {
          auth:
            auth.kind === 'token' ? { kind: 'token', token: MASK }
            : auth.kind === 'user' ? { kind: 'user', user: auth.user, password: MASK }
            : auth.kind === 'nkey' ? { kind: 'nkey', seed: MASK }
            : auth,
        }
      : {}),
  };
}

/** `https://u:p@host/x?key=v#f` -> `https://***@host/x?key=***#f`; templates stay as written. */
export function maskUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*@)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) return url.includes('@') ? `${MASK}${url.slice(url.lastIndexOf('@'))}` : url;
  const query = m[4] ? '?' + m[4].slice(1).split('&').map((kv) => (kv.includes('=') ? `${kv.slice(0, kv.indexOf('='))}=${MASK}` : kv)).join('&') : '';
  return `${m[1]}${m[2] ? `${MASK}@` : ''}${m[3]}${query}${m[5] ?? ''}`;
}

function deepMap(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => deepMap(x, f));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepMap(x, f)]));
  return v;
}
