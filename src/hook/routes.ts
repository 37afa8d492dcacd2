// A routes file kept live. The file's stat (inode, size, times) checked on a timer is the truth;
// fs.watch on its directory (not the file: a rename-over replaces the inode a file watch holds)
// only makes the check come sooner. `reload()` re-reads at once (the runtime wires SIGHUP to it).
// A reload that fails keeps the table that was loaded before and reports why; `version` moves,
// and onChange fires, only when the routes really changed, so the runtime can re-resolve what is
// still queued for a key.
import { createHash } from 'node:crypto';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { FieldSet } from '../record/fields.js';
import { errorMessage } from '../util/errors.js';
import { loadRoutes, RoutesFileError, type LoadRoutesOptions, type Route } from './routes-file.js';

export interface RouteTableOptions extends LoadRoutesOptions {
  /** how often the file's stat is checked (ms); 0: never (reload() only). Default 2000 */
  pollMs?: number;
  /** also watch the directory for a sooner check; default true */
  watch?: boolean;
  /** after a reload that changed the table (not after the first load) */
  onChange?: (table: RouteTable) => void;
  /** a reload failed; the previous table stays. Default: a process warning */
  onError?: (err: RoutesFileError) => void;
}

const DEBOUNCE_MS = 100;

export class RouteTable {
  /** 1 after the first load; +1 on every change */
  version = 1;
  private routes: Map<string, Route>;
  private folded: Map<string, Route> | null = null;
  private fieldsNeeded: FieldSet | null = null;
  private fingerprint: string;
  private signature: string;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private readonly onError: (err: RoutesFileError) => void;

  /** Loads the file now: a bad file at start-up throws RoutesFileError (a usage error). */
  constructor(
    readonly path: string,
    private readonly opts: RouteTableOptions = {},
  ) {
    this.onError = opts.onError ?? ((err) => process.emitWarning(err.message, 'RoutesFileWarning'));
    this.signature = this.stat();
    this.routes = loadRoutes(path, opts);
    this.fingerprint = fingerprintOf(this.routes);
    const pollMs = opts.pollMs ?? 2000;
    if (pollMs > 0) this.timer = setInterval(() => this.check(), pollMs).unref();
    if (opts.watch ?? true) {
      const name = basename(path);
      try {
        this.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
          if (file === null || file === name) this.soon();
        });
        this.watcher.on('error', () => this.closeWatcher());
      } catch {
        // the timer still checks
      }
    }
  }

  get size(): number {
    return this.routes.size;
  }

  lookup(key: string): Route | undefined {
    return this.routes.get(key);
  }

  /** Lookup ignoring case, for keys read from case-insensitive fields (domains are lower-cased). */
  lookupFolded(key: string): Route | undefined {
    if (!this.folded) {
      this.folded = new Map();
      for (const [k, r] of this.routes) if (!this.folded.has(k.toLowerCase())) this.folded.set(k.toLowerCase(), r);
    }
    return this.folded.get(key.toLowerCase());
  }

  keys(): IterableIterator<string> {
    return this.routes.keys();
  }

  /** The fields the routes' own types and match tables read. */
  get needs(): FieldSet {
    return (this.fieldsNeeded ??= FieldSet.union([...this.routes.values()].map((r) => (r.types ? FieldSet.union([FieldSet.of(['type']), r.match.needs]) : r.match.needs))));
  }

  /** Re-reads the file now. True when the table changed; a failure is reported and keeps the old one. */
  reload(): boolean {
    this.signature = this.stat();
    let next: Map<string, Route>;
    try {
      next = loadRoutes(this.path, this.opts);
      if (next.size === 0 && this.routes.size > 0 && this.signature.endsWith(':0')) {
        throw new RoutesFileError(this.path, undefined, undefined, `is empty (a write under way?); keeping the ${this.routes.size} routes loaded before`);
      }
    } catch (err) {
      this.onError(err instanceof RoutesFileError ? err : new RoutesFileError(this.path, undefined, undefined, errorMessage(err)));
      return false;
    }
    const fp = fingerprintOf(next);
    if (fp === this.fingerprint) return false;
    this.routes = next;
    this.fingerprint = fp;
    this.folded = null;
    this.fieldsNeeded = null;
    this.version++;
    this.opts.onChange?.(this);
    return true;
  }

  /** Stops watching and polling. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = this.debounce = null;
    this.closeWatcher();
  }

  /** Reloads when the file's stat moved since the last read. */
  private check(): void {
    if (this.stat() !== this.signature) this.reload();
  }

  private soon(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.check();
    }, DEBOUNCE_MS).unref();
  }

  private stat(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.mtimeMs}:${s.ctimeMs}:${s.size}`;
    } catch (err) {
      return `missing:${errorMessage(err)}`;
    }
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}

/** What a table routes to, secrets included, as a digest that is never shown. */
function fingerprintOf(routes: Map<string, Route>): string {
  const h = createHash('sha256');
  for (const r of routes.values()) h.update(JSON.stringify([r.key, r.url, r.headers, r.types && [...r.types], r.matchTable ?? null]));
  return h.digest('hex');
}
