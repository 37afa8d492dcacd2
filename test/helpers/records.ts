// Deterministic, realistic KumoMTA log records (JsonLogRecord, ~1 KB each) and segment names.
// A port of the reference simulator's record()/response(): same fields in kumod's order, same
// type mix, ~1% `reception_protocol: "LogRecord"` bookkeeping records, ~1% array recipients.
// Same PRNG and draw order too: kumo-sim's records for seed S are this generator's records for
// seed (S + 0x6d2b79f5) >>> 0, because kumo-sim draws once (for the segment name) before the
// first record. records.test.ts holds that against a sample of kumo-sim's output.

export type GeneratedRecord = Record<string, unknown> & { type: string; id: string; timestamp: number };

export interface RecordGenerator {
  next(): GeneratedRecord;
  /** the next record as kumod writes it: compact JSON + '\n' */
  nextLine(): string;
  /** the event clock (ms): time of the latest record, or `start` before the first */
  now(): number;
}

const NODE = '557f3ad4-2c8c-11ee-976e-782d7e12e173';
const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'];
const CAMPAIGNS = ['welcome', 'digest-weekly', 'promo-black-friday', 'receipts', 'password-reset'];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'example.net', 'gmx.de', 'mail.ru'];
const MX: Record<string, string> = {
  'gmail.com': 'gmail-smtp-in.l.google.com.', 'yahoo.com': 'mta5.am0.yahoodns.net.',
  'outlook.com': 'outlook-com.olc.protection.outlook.com.', 'icloud.com': 'mx01.mail.icloud.com.',
  'example.net': 'mx.example.net.', 'gmx.de': 'mx00.gmx.net.', 'mail.ru': 'mxs.mail.ru.',
};
const SUBJECTS = ['Your weekly digest', 'Bienvenue chez nous ✉', 'Receipt #%d', 'Réinitialiser le mot de passe', '今日のお知らせ', 'Black Friday: 40% off'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const CLASSIFIED = ['Bounce', 'TransientFailure', 'Expiration', 'AdminBounce', 'OOB', 'Feedback', 'Rejection'];
const CLASSES = ['Uncategorized', 'InvalidRecipient', 'SpamBlock', 'QuotaIssues', 'PolicyRelated'];

export function createRecordGenerator({ seed = 1, start = '2026-11-01T00:00:00Z' } = {}): RecordGenerator {
  let state = seed >>> 0;
  // mulberry32: tiny, fast, and the one kumo-sim uses
  const rand = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const hex = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[int(16)];
    return s;
  };
  const word = (): string => {
    let s = '';
    for (let i = 4 + int(8); i > 0; i--) s += LETTERS[int(26)];
    return s;
  };
  const uuid = (): string => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;

  let clock = Date.parse(start);
  if (Number.isNaN(clock)) throw new Error(`createRecordGenerator: start is not a date: ${start}`);
  let index = 0;

  // Records of one file are only nearly in time order, and event_time carries nanoseconds.
  const times = (): [number, string] => {
    clock += int(40);
    const ns = String(int(1e6)).padStart(6, '0');
    return [Math.floor(clock / 1000), `${new Date(clock).toISOString().slice(0, -1)}${ns}Z`]; // ".sssZ" → ".sssnnnnnnZ"
  };

  const response = (type: string) => {
    switch (type) {
      case 'Reception': return { code: 250, enhanced_code: null, content: '', command: null };
      case 'Delivery': return { code: 250, enhanced_code: { class: 2, subject: 0, detail: 0 }, content: `OK id=${hex(16)}`, command: '.' };
      case 'TransientFailure': return { code: 421, enhanced_code: { class: 4, subject: 7, detail: 0 }, content: pick(['Try again later', 'Too many connections from your IP', 'Greylisted, please retry in 5 minutes']), command: pick(['RCPT TO', 'MAIL FROM', '.']) };
      case 'Delayed': return { code: 451, enhanced_code: { class: 4, subject: 4, detail: 5 }, content: 'KumoMTA internal: throttled by shaping rule', command: null };
      case 'Expiration': return { code: 551, enhanced_code: { class: 5, subject: 4, detail: 7 }, content: 'Next delivery time would be beyond max_age=7d', command: null };
      case 'AdminBounce': return { code: 551, enhanced_code: { class: 5, subject: 7, detail: 1 }, content: 'Administrator bounced with reason: campaign cancelled', command: null };
      case 'Rejection': return { code: 550, enhanced_code: { class: 5, subject: 7, detail: 1 }, content: 'relaying not permitted', command: 'RCPT TO' };
      default: return { code: 550, enhanced_code: { class: 5, subject: 1, detail: 1 }, content: pick(['No such user', 'Mailbox unavailable', 'Message rejected as spam']), command: 'RCPT TO' };
    }
  };

  // Every rand() call below is in kumo-sim's order: reordering changes every later record.
  const next = (): GeneratedRecord => {
    const i = index++;
    const r = rand();
    const type = r < 0.42 ? 'Reception' : r < 0.80 ? 'Delivery' : r < 0.89 ? 'TransientFailure' : r < 0.93 ? 'Bounce'
      : r < 0.95 ? 'Delayed' : r < 0.965 ? 'Rejection' : r < 0.975 ? 'Expiration' : r < 0.982 ? 'OOB'
        : r < 0.987 ? 'Feedback' : r < 0.99 ? 'AdminBounce' : 'Delivery';
    const tenant = pick(TENANTS);
    const campaign = pick(CAMPAIGNS);
    const domain = pick(DOMAINS);
    const mx = MX[domain]!;
    const [timestamp, event_time] = times();
    const created = timestamp - int(600);
    const multi = rand() < 0.01;
    const rcpt = `${word()}.${word()}@${domain}`;
    const recipient = type === 'Rejection' && rand() < 0.5 ? '' : multi ? [rcpt, `${word()}@${domain}`] : rcpt;
    const hookEcho = rand() < 0.01; // kumod's own log-hook bookkeeping records
    const rec: GeneratedRecord = {
      type,
      id: type === 'Rejection' ? '' : hex(32),
      sender: `bounce-${hex(8)}@${tenant}.mail.example.com`,
      recipient,
      queue: type === 'Rejection' ? '' : hookEcho ? 'webhook.log_hook' : `${campaign}:${tenant}@${domain}`,
      site: type === 'Reception' || type === 'Rejection' || type === 'Expiration' ? '' : `${tenant}-ip${1 + int(8)}->${mx}`,
      size: type === 'Rejection' || type === 'OOB' ? 0 : 800 + int(60000),
      response: response(type),
      peer_address: type === 'Reception' ? { name: `app${int(20)}.internal.example.com`, addr: `10.0.${int(4)}.${int(255)}` }
        : type === 'Expiration' || type === 'AdminBounce' ? null : { name: mx, addr: `192.0.2.${int(255)}` },
      timestamp, event_time, created, created_time: event_time,
      num_attempts: type === 'Reception' ? 0 : 1 + int(3),
      bounce_classification: CLASSIFIED.includes(type) ? pick(CLASSES) : 'Uncategorized',
      egress_pool: type === 'Reception' ? null : `${tenant}-pool`,
      egress_source: type === 'Reception' ? null : `${tenant}-ip1`,
      source_address: type === 'Reception' ? null : { address: `10.9.0.${int(255)}:${20000 + int(40000)}` },
      feedback_report: type === 'Feedback' ? {
        feedback_type: 'abuse', user_agent: 'SomeGenerator/1.0', version: 1, arrival_date: event_time,
        original_mail_from: null, original_rcpt_to: rcpt, reported_domain: [domain], reporting_mta: { mta_type: 'dns', name: `fbl.${domain}` },
        source_ip: '192.0.2.1', incidents: 1, extensions: {}, original_message: null, supplemental: null,
      } : null,
      meta: { tenant, campaign, ...(rand() < 0.3 ? { customer_ref: `cr-${i}` } : {}) },
      headers: rand() < 0.5 ? { Subject: pick(SUBJECTS).replace('%d', String(i)), 'X-Campaign-Id': hex(12) } : {},
      delivery_protocol: ['Delivery', 'TransientFailure', 'Bounce'].includes(type) ? (hookEcho ? 'Lua' : 'ESMTP') : null,
      reception_protocol: type === 'Rejection' ? null : hookEcho ? 'LogRecord' : pick(['ESMTP', 'ESMTP', 'HTTP']),
      nodeid: NODE,
    };
    if (type === 'Delivery' && rand() < 0.8) {
      rec.tls_cipher = 'TLS_AES_256_GCM_SHA384';
      rec.tls_protocol_version = 'TLSv1.3';
      rec.tls_peer_subject_name = [`CN=${mx.slice(0, -1)}`];
    }
    if (type !== 'Reception') rec.session_id = uuid();
    return rec;
  };

  return { next, nextLine: () => JSON.stringify(next()) + '\n', now: () => clock };
}

/**
 * kumod's segment name for a segment opened at `ms` (UTC): `%Y%m%d-%H%M%S`, then `.` and the
 * fraction, then the operator's suffix. kumod's clock has nanoseconds, so its fraction is nearly
 * always 9 digits: by default the milliseconds of `ms` as nanoseconds (`.537000000`, and
 * `.000000000` on a whole second). Pass `fraction` for kumod's other forms: '' (no dot: releases
 * before 2024.11, or a whole second), 3 or 6 digits (nanoseconds with trailing zeros).
 */
export function segmentName(ms: number, suffix = '', fraction?: string): string {
  const d = new Date(ms);
  const frac = fraction ?? String(d.getUTCMilliseconds() * 1e6).padStart(9, '0');
  if (!/^(\d{3}|\d{6}|\d{9})?$/.test(frac)) throw new Error(`segmentName: fraction must be '' or 3, 6 or 9 digits, got '${frac}'`);
  const p = (n: number): string => String(n).padStart(2, '0');
  const date = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
  const time = `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `${date}-${time}${frac === '' ? '' : `.${frac}`}${suffix}`;
}

/** `n` generated record lines (JSON + "\n") for a seed. */
export function recordLines(n: number, seed = 1): string[] {
  const g = createRecordGenerator({ seed });
  return Array.from({ length: n }, () => g.nextLine());
}
