// A configuration problem names the file, the line and the key, and says what to do. Loading
// collects every problem before it reports (an operator fixes them all in one edit), sorted by
// file and line, and throws them together as one ConfigError (exit code 2, like a bad flag).
import { UsageError } from '../util/errors.js';

/** A path into the file's data: table and key names, array indexes (`['hook', 0, 'url']`). */
export type KeyPath = readonly (string | number)[];

export interface ConfigProblem {
  /** the file the problem is in (the config file, a routes file, a ${file:} secret's key's file) */
  file: string;
  /** 1-based; 0 when it concerns the whole file (it cannot be read) */
  line: number;
  /** where in the file's words: `max_queue`, `source.poll`, `hook 'events': url`, `hook 'events'` */
  where: string;
  message: string;
  path: KeyPath;
}

export function formatProblem(p: ConfigProblem): string {
  const at = p.line > 0 ? `${p.file}: line ${p.line}` : p.file;
  return `${at}: ${p.where ? `${p.where}: ` : ''}${p.message}`;
}

/** Problems in the order an operator fixes them: file by file (in order of appearance), by line. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const files: string[] = [];
  for (const p of problems) if (!files.includes(p.file)) files.push(p.file);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => files.indexOf(a.p.file) - files.indexOf(b.p.file) || a.p.line - b.p.line || a.i - b.i)
    .map((x) => x.p);
}

/** Every problem of a configuration at once. */
export class ConfigError extends UsageError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    const sorted = sortProblems(problems);
    const lines = sorted.map(formatProblem);
    super(lines.length === 1 ? lines[0]! : `${lines.length} problems in the configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = sorted;
  }
}

/** ` (did you mean X?)` for the candidate nearest to `word`, or '' when none is near. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A third of the word's length (at least 2) catches typos without suggesting unrelated keys.
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean ${best}?)` : '';
}

/** Edit distance: insertions, deletions and substitutions, one row at a time. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
