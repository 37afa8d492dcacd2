// The headers of every request. The receiver-facing contract (every header, its value, the
// event-id list grammar) is written once, in the README's "What the receiver gets".
//
// `--header 'Name: value'` (and the config's headers) add a header to every request. They may
// replace `User-Agent`, `Content-Type` or `Authorization`; they may not set the headers loghook
// computes per request (`webhook-*`, `Idempotency-Key`, `Content-Encoding`, `Loghook-*`) nor those
// the HTTP client owns (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`, ...).
// Header values are treated as secrets: they are never logged or printed.
import { UsageError } from '../../util/errors.js';
import { contentTypeFor, type BatchFormat } from '../../deliver/batch-body.js';
import { formatPrefix } from '../../hook/event-id-list.js';
import type { IdRange } from '../../hook/event-id.js';

export interface HeaderItem {
  name: string;
  value: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

const CLIENT_OWNED = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection',
  'upgrade', 'te', 'trailer', 'expect',
]);
const LOGHOOK_OWNED = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'idempotency-key', 'content-encoding']);

/**
 * The most bytes `Loghook-Event-Ids` carries. nginx refuses any header line over 8 KiB
 * (large_client_header_buffers 4 8k) with a 400, and node:http all headers over 16 KiB with a
 * 431: 4 KiB leaves room for the rest. Batchers keep a batch's list under it (event-id-list.ts's
 * meter); a list still longer is cut (see HeaderBuilder.build).
 */
export const EVENT_ID_HEADER_BUDGET = 4096;

export interface AuthOptions {
  /** `Authorization: Bearer <token>` (config `bearer_token`, already resolved from env or file) */
  bearerToken?: string;
  /** `Authorization: Basic` (config `basic_user` and `basic_password`) */
  basicUser?: string;
  basicPassword?: string;
}

/** What one request's headers are made of. */
export interface HeaderInput {
  id: string;
  /** the records, in body order (their event ids) */
  slices: readonly IdRange[];
  records: number;
  attempt: number;
  format: BatchFormat;
  /** unix seconds, as text: also what the signature covers */
  timestamp: string;
}

/**
 * Parses one `--header 'Name: value'`. Throws UsageError naming the header (never echoing its
 * value, which may be a secret).
 */
export function parseHeaderOption(text: string, option = '--header'): HeaderItem {
  const colon = text.indexOf(':');
  const label = (colon >= 0 ? text.slice(0, colon) : text.split(/\s/, 1)[0] ?? '').trim().slice(0, 40);
  const fail = (why: string) => new UsageError(`${option} "${label}": ${why} (expected 'Name: value')`);
  if (colon < 0) throw fail('has no ":" between name and value');
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (name === '') throw fail('has no name');
  if (!TOKEN.test(name)) throw fail('the name contains characters not allowed in a header name');
  if (BAD_VALUE.test(value)) throw fail('the value contains a line break or control character');
  const lower = name.toLowerCase();
  if (CLIENT_OWNED.has(lower)) throw fail('this header is set by the HTTP client and cannot be replaced');
  if (LOGHOOK_OWNED.has(lower) || lower.startsWith('loghook-')) {
    throw fail('this header is computed by loghook for every request and cannot be replaced');
  }
  return { name, value };
}

/** `Authorization: Basic` from a URL's userinfo, or null when it has none. */
export function basicAuthFromUrl(url: string): HeaderItem | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!u.username && !u.password) return null;
  const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return { name: 'Authorization', value: 'Basic ' + Buffer.from(creds, 'utf8').toString('base64') };
}

/** `Authorization` from the auth options, the URL's userinfo, or null. Throws UsageError on a conflict. */
export function authorizationOf(auth: AuthOptions, url?: string): HeaderItem | null {
  const fromUrl = url ? basicAuthFromUrl(url) : null;
  const basic = auth.basicUser !== undefined || auth.basicPassword !== undefined;
  if (auth.bearerToken !== undefined && (basic || fromUrl)) {
    throw new UsageError('bearer_token and basic authentication (basic_user, or user:password@ in the url) are both set: keep one');
  }
  if (basic && fromUrl) throw new UsageError('basic_user/basic_password and user:password@ in the url are both set: keep one');
  if (auth.bearerToken !== undefined) {
    if (auth.bearerToken === '' || BAD_VALUE.test(auth.bearerToken)) throw new UsageError('bearer_token is empty or holds a line break or control character');
    return { name: 'Authorization', value: `Bearer ${auth.bearerToken}` };
  }
  if (basic) {
    if (auth.basicUser === undefined) throw new UsageError('basic_password needs basic_user');
    if (auth.basicUser.includes(':')) throw new UsageError('basic_user may not contain ":" (HTTP Basic separates user and password with it)');
    const creds = `${auth.basicUser}:${auth.basicPassword ?? ''}`;
    return { name: 'Authorization', value: 'Basic ' + Buffer.from(creds, 'utf8').toString('base64') };
  }
  return fromUrl;
}

/** Builds the headers of each request; the constant part is computed once. */
export class HeaderBuilder {
  private readonly fixed: Record<string, string>;
  private readonly contentTypeSet: boolean;
  private readonly idBudget: number;

  constructor(opts: { version: string; extra?: readonly HeaderItem[]; url?: string; auth?: AuthOptions; contentEncoding?: string; idBudgetBytes?: number }) {
    const fixed: Record<string, string> = { 'user-agent': `loghook/${opts.version}` };
    const auth = authorizationOf(opts.auth ?? {}, opts.url);
    if (auth) fixed['authorization'] = auth.value;
    if (opts.contentEncoding) fixed['content-encoding'] = opts.contentEncoding;
    // Later items win, names compared case-insensitively (undici wants one spelling per name).
    for (const h of opts.extra ?? []) fixed[h.name.toLowerCase()] = h.value;
    this.contentTypeSet = 'content-type' in fixed;
    this.fixed = fixed;
    this.idBudget = opts.idBudgetBytes ?? EVENT_ID_HEADER_BUDGET;
  }

  /**
   * Headers for one attempt at a request. A batch's event-id list longer than the budget (the
   * batcher did not keep it under) is cut to the records that fit, in body order, and
   * `Loghook-Event-Ids-Truncated` says how many records it leaves out: a receiver loses ids
   * for that request only, rather than the whole request being refused for a header too large
   * (nginx answers that with a 400, which would be final).
   */
  build(req: HeaderInput): Record<string, string> {
    // Object.assign, not a spread: adding the keys below to a spread copy cost ~3 µs per request
    // on Node 20 (25 times more), 7% of the CPU at --batch-size 1.
    const h: Record<string, string> = Object.assign({}, this.fixed);
    if (!this.contentTypeSet) h['content-type'] = contentTypeFor(req.records, req.format);
    h['webhook-id'] = req.id;
    h['idempotency-key'] = req.id;
    h['webhook-timestamp'] = req.timestamp;
    h['loghook-attempt'] = String(req.attempt);
    if (req.records > 1) {
      const list = formatPrefix(req.slices, this.idBudget);
      h['loghook-event-ids'] = list.text;
      if (list.records < req.records) h['loghook-event-ids-truncated'] = String(req.records - list.records);
    }
    return h;
  }
}
