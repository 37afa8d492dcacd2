// One record's bytes, read lazily: the type comes from the bytes when the line is in kumod's
// compact form (no parse), and the line is parsed at most once, on the first question the bytes
// cannot answer. Hooks share one view per record, so N hooks cost one parse at most.
import { compactTypeEnd, typeAt } from './classify.js';
import { parseQueueName, type QueueParts } from './queue-name.js';
import { parseRecord, RecordParseError, type KumoRecord } from './record.js';

const LOG_RECORD = Buffer.from('"reception_protocol":"LogRecord"');

export class RecordView {
  /** undefined: not parsed yet; null: the line is not a JSON object (see `invalid`) */
  private rec: KumoRecord | null | undefined;
  /** -2: not looked yet; -1: not compact; else the offset of the quote closing the type name */
  private quote = -2;
  private queueParts: QueueParts | undefined;
  /** why the line is not a record, once a parse was tried and failed */
  invalid: string | undefined;

  constructor(
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}

  /** A view of a record that is already parsed (a dead letter, a test). */
  static ofRecord(rec: KumoRecord): RecordView {
    const v = new RecordView(Buffer.alloc(0), 0, 0);
    v.rec = rec;
    v.quote = -1;
    return v;
  }

  /** Whether the line has been parsed (a type-only hook never makes it parse). */
  get parsed(): boolean {
    return this.rec !== undefined;
  }

  /** The parsed record, parsing on first use; null when the line is not a JSON object. */
  record(): KumoRecord | null {
    if (this.rec === undefined) {
      try {
        this.rec = parseRecord(this.buf.toString('utf8', this.start, this.end));
      } catch (err) {
        if (!(err instanceof RecordParseError)) throw err;
        this.rec = null;
        this.invalid = err.message;
      }
    }
    return this.rec;
  }

  /** Whether the line is in kumod's compact form, so that its bytes answer for the type. */
  isCompact(): boolean {
    return this.compactQuote() !== -1;
  }

  private compactQuote(): number {
    if (this.quote === -2) this.quote = compactTypeEnd(this.buf, this.start, this.end);
    return this.quote;
  }

  /**
   * The record type. From the bytes when the line is compact, as `--types` has always judged it:
   * such a line keeps its type even if the rest of it is not JSON. Undefined for a line that is
   * not a record at all, or a record without a type (other writers' records).
   */
  type(): string | undefined {
    if (this.rec === undefined) {
      const q = this.compactQuote();
      if (q !== -1) return typeAt(this.buf, this.start, q);
    }
    const t = this.record()?.type;
    return t === '' ? undefined : t;
  }

  /**
   * Whether this is KumoMTA's own webhook bookkeeping (reception_protocol "LogRecord"). A compact
   * line without that text is judged from its bytes; one with it is parsed to be sure, because the
   * same key may sit in `meta`. `hint` is the caller's batch-wide search result for this line.
   * A line that has to be parsed and is not JSON counts as not a LogRecord (see `invalid`).
   */
  isLogRecord(hint?: boolean): boolean {
    if (this.rec === undefined && this.compactQuote() !== -1) {
      const suspect = hint ?? this.buf.subarray(this.start, this.end).indexOf(LOG_RECORD) !== -1;
      if (!suspect) return false;
    }
    return this.record()?.reception_protocol === 'LogRecord';
  }

  /** The parts of the record's `queue`, split once per record. */
  queue(): QueueParts {
    if (this.queueParts === undefined) {
      const q = this.record()?.queue;
      this.queueParts = parseQueueName(typeof q === 'string' ? q : '');
    }
    return this.queueParts;
  }
}
