// Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature: v1,<base64>,
// several space-separated): the one import of the standardwebhooks package.
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { UsageError, errorMessage } from '../util/errors.js';
import { header } from './body.js';

export type Verdict = { ok: true; over: 'decoded' | 'as-sent' } | { ok: false; reason: string };

export class SignatureVerifier {
  private readonly webhook: Webhook;

  /** `source` names where the secret came from, for the error message (never the secret itself). */
  constructor(secret: string, source: string) {
    try {
      this.webhook = new Webhook(secret.trim());
    } catch (err) {
      throw new UsageError(`${source}: not a Standard Webhooks secret ("whsec_" and base64): ${errorMessage(err)}`);
    }
  }

  /**
   * Checks the signature over the decoded body (what a sender that signs, then compresses, signed)
   * and, when the body arrived compressed, over the bytes as sent.
   */
  verify(headers: IncomingHttpHeaders, decoded: Buffer, asSent: Buffer): Verdict {
    const h: Record<string, string> = {};
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const v = header(headers, name);
      if (v === null) return { ok: false, reason: `no ${name} header` };
      h[name] = v;
    }
    const first = this.check(decoded, h);
    if (first === null) return { ok: true, over: 'decoded' };
    if (asSent !== decoded && this.check(asSent, h) === null) return { ok: true, over: 'as-sent' };
    return { ok: false, reason: first };
  }

  /** null when it verifies, else the library's reason ("No matching signature found", "Message timestamp too old"). */
  private check(payload: Buffer, headers: Record<string, string>): string | null {
    try {
      this.webhook.verify(payload, headers, { jsonParse: false });
      return null;
    } catch (err) {
      return errorMessage(err);
    }
  }
}
