// Shell-style globs over field values (not paths: `*` crosses '/' and '.'): `*` any run of
// characters, `?` one character, `[abc]` `[a-z]` one of a set, `[!a-z]` `[^a-z]` none of it,
// `\x` the character x itself. The common shapes (exact, prefix*, *suffix, *infix*) compile to
// string comparisons; the rest to an anchored RegExp. No package fits better: glob libraries
// (picomatch, minimatch) give '/' and leading '.' path meanings that values must not have.

export type StringTest = (s: string) => boolean;

export class GlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlobError';
  }
}

// What must be escaped in a 'u' RegExp: outside a set, and inside one (where '-' is special too)
const escapeRe = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const escapeSet = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

type Token = { lit: string } | { star: true } | { re: string };

function tokenize(p: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  const flush = () => {
    if (lit !== '') out.push({ lit });
    lit = '';
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      if (i + 1 >= p.length) throw new GlobError(`'${p}' ends with a lone '\\' (write '\\\\' for a backslash)`);
      lit += p[++i];
    } else if (c === '*') {
      flush();
      if (!(out.at(-1) && 'star' in out.at(-1)!)) out.push({ star: true });
    } else if (c === '?') {
      flush();
      out.push({ re: '.' });
    } else if (c === '[') {
      flush();
      const { re, next } = charClass(p, i);
      out.push({ re });
      i = next;
    } else lit += c;
  }
  flush();
  return out;
}

/** The RegExp of the class that opens at p[open], and the index of its closing ']'. */
function charClass(p: string, open: number): { re: string; next: number } {
  let i = open + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < p.length; i++) {
    let c = p[i]!;
    if (c === ']' && !first) {
      if (body === '') throw new GlobError(`'${p}' has an empty [] set`);
      const re = `[${negate ? '^' : ''}${body}]`;
      try {
        new RegExp(re, 'u');
      } catch {
        throw new GlobError(`'${p}' has a bad set ${p.slice(open, i + 1)} (a range must go upwards, as in [a-z])`);
      }
      return { re, next: i };
    }
    first = false;
    if (c === '\\') {
      if (i + 1 >= p.length) break;
      c = p[++i]!;
      body += escapeSet(c);
    } else if (c === '-' && body !== '' && p[i + 1] !== ']') body += '-';
    else body += escapeSet(c);
  }
  throw new GlobError(`'${p}' has a '[' without its ']' (write '\\[' for the character itself)`);
}

/** Compiles a glob; throws GlobError. `caseInsensitive` lower-cases the pattern (values are lower-cased when read). */
export function compileGlob(pattern: string, caseInsensitive = false): StringTest {
  const tokens = tokenize(caseInsensitive ? pattern.toLowerCase() : pattern);
  const lits = tokens.every((t) => 'lit' in t || 'star' in t);
  if (lits) {
    const shape = tokens.map((t) => ('star' in t ? '*' : 'l')).join('');
    const lit = (i: number) => (tokens[i] as { lit: string }).lit;
    switch (shape) {
      case '': return (s) => s === '';
      case '*': return () => true;
      case 'l': { const a = lit(0); return (s) => s === a; }
      case 'l*': { const a = lit(0); return (s) => s.startsWith(a); }
      case '*l': { const a = lit(1); return (s) => s.endsWith(a); }
      case '*l*': { const a = lit(1); return (s) => s.includes(a); }
      case 'l*l': { const a = lit(0); const b = lit(2); return (s) => s.length >= a.length + b.length && s.startsWith(a) && s.endsWith(b); }
    }
  }
  const src = tokens.map((t) => ('lit' in t ? escapeRe(t.lit) : 'star' in t ? '.*' : t.re)).join('');
  const re = new RegExp(`^${src}$`, 'su');
  return (s) => re.test(s);
}
