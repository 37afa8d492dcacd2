// Request signatures, HMAC-SHA256 with node:crypto (the standardwebhooks package computes the
// same HMAC in pure JavaScript, through a string copy of the body: several times slower; the
// tests verify every signature with it).
//
// Standard Webhooks (the default): `webhook-signature: v1,<base64 HMAC-SHA256 of
// "<webhook-id>.<webhook-timestamp>.<body>">`, the secret written `whsec_<base64>`. Several
// secrets (a rotation) give one signature each, separated by spaces; a receiver accepts the
// request when any of them verifies.
//
// Plain body HMAC (`signature_header`, GitHub style): `<header>: <format>`, the HMAC of the body
// alone, the format a template with one placeholder: `<hex>`, `<base64>` or `<base64url>`, e.g.
// `sha256=<hex>` (GitHub's X-Hub-Signature-256). A `whsec_` secret is the key its base64 decodes
// to; any other secret is the key of its UTF-8 bytes (GitHub's convention).
//
// Both sign the body as the receiver's application reads it: before compression. The official
// Standard Webhooks libraries (JavaScript, Python) verify a text payload and cannot verify
// compressed bytes (JavaScript decodes them as UTF-8, Python raises), and most servers undo
// Content-Encoding before the handler runs.
import { createHmac } from 'node:crypto';
import { UsageError } from '../../util/errors.js';

export interface SigningOptions {
  /** secrets, the first the current one (config `signing_secret`, a string or a list) */
  signingSecrets?: readonly string[];
  /** sign the body alone into this header instead of Standard Webhooks (config `signature_header`) */
  signatureHeader?: string;
  /** template of that header's value (config `signature_format`, default `sha256=<hex>`) */
  signatureFormat?: string;
}

/** Computes the signature header of one request. */
export interface Signer {
  /** lower-case header name */
  readonly header: string;
  /** The header's value for this request (`timestamp` in unix seconds, as sent). */
  sign(id: string, timestamp: string, body: Buffer): string;
}

const PLACEHOLDER = /<(hex|base64|base64url)>/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A signer for the options, or null when there is no secret. Throws UsageError naming the key. */
export function createSigner(o: SigningOptions): Signer | null {
  const secrets = o.signingSecrets ?? [];
  if (secrets.length === 0) {
    if (o.signatureHeader !== undefined || o.signatureFormat !== undefined) {
      throw new UsageError('signature_header and signature_format need signing_secret');
    }
    return null;
  }
  if (o.signatureHeader === undefined) {
    if (o.signatureFormat !== undefined) throw new UsageError('signature_format needs signature_header (Standard Webhooks has its own format)');
    return new StandardWebhooksSigner(secrets.map((s, i) => standardKey(s, i)));
  }
  return new BodySigner(o.signatureHeader, o.signatureFormat ?? 'sha256=<hex>', secrets.map((s) => plainKey(s)));
}

class StandardWebhooksSigner implements Signer {
  readonly header = 'webhook-signature';
  constructor(private readonly keys: readonly Buffer[]) {}

  sign(id: string, timestamp: string, body: Buffer): string {
    let out = '';
    for (const key of this.keys) {
      const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
      out += (out === '' ? 'v1,' : ' v1,') + mac;
    }
    return out;
  }
}

class BodySigner implements Signer {
  readonly header: string;
  private readonly parts: string[];
  private readonly encodings: ('hex' | 'base64' | 'base64url')[];

  constructor(header: string, format: string, private readonly keys: readonly Buffer[]) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(header)) throw new UsageError(`signature_header "${header.slice(0, 40)}" is not a valid header name`);
    const lower = header.toLowerCase();
    if (lower.startsWith('loghook-') || ['webhook-id', 'webhook-timestamp', 'content-type', 'content-length', 'content-encoding', 'host', 'authorization'].includes(lower)) {
      throw new UsageError(`signature_header "${header}" is a header loghook or the HTTP client already sets`);
    }
    this.header = lower;
    const found = [...format.matchAll(PLACEHOLDER)];
    if (found.length !== 1) {
      throw new UsageError(`signature_format "${format}" must hold exactly one of <hex>, <base64>, <base64url> (e.g. "sha256=<hex>")`);
    }
    if (/[\x00-\x1f\x7f]/.test(format)) throw new UsageError('signature_format contains a control character');
    this.parts = format.split(PLACEHOLDER).filter((_, i) => i % 2 === 0);
    this.encodings = found.map((m) => m[1] as 'hex' | 'base64' | 'base64url');
  }

  sign(_id: string, _timestamp: string, body: Buffer): string {
    let out = '';
    for (const key of this.keys) {
      const mac = createHmac('sha256', key).update(body).digest(this.encodings[0]!);
      out += (out === '' ? '' : ' ') + this.parts[0]! + mac + this.parts[1]!;
    }
    return out;
  }
}

/** `whsec_<base64>` → the key bytes. */
function standardKey(secret: string, i: number): Buffer {
  const which = i === 0 ? 'signing_secret' : `signing_secret[${i}]`;
  if (!secret.startsWith('whsec_')) {
    // never echo the secret
    throw new UsageError(`${which} must look like whsec_<base64> for Standard Webhooks (make one with: echo "whsec_$(openssl rand -base64 32)"), or set signature_header for a plain HMAC`);
  }
  const b64 = secret.slice(6);
  if (!BASE64.test(b64) || b64.length % 4 !== 0) throw new UsageError(`${which}: the part after whsec_ is not base64`);
  const key = Buffer.from(b64, 'base64');
  if (key.length < 16) throw new UsageError(`${which} is too short: ${key.length} bytes, use at least 24 (32 is usual)`);
  return key;
}

function plainKey(secret: string): Buffer {
  if (secret === '') throw new UsageError('signing_secret is empty');
  if (secret.startsWith('whsec_')) {
    const b64 = secret.slice(6);
    if (BASE64.test(b64) && b64.length % 4 === 0) return Buffer.from(b64, 'base64');
  }
  return Buffer.from(secret, 'utf8');
}
