// `${env:NAME}` and `${file:PATH}` in any string of the config file (or of a routes file): the
// value of an environment variable, or a file's content without one trailing newline. `$${` is a
// literal `${`. Secrets so stay out of the file, and the file can be shown to anyone.
// A problem names the variable or the file, never a value; every substituted value is returned
// so that `check` can mask it and no message can echo it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errnoCode, errorMessage } from '../util/errors.js';
import type { KeyPath } from './problems.js';

export interface SecretProblem {
  path: KeyPath;
  message: string;
}

export interface Resolved {
  /** the data with every substitution made (a string whose substitution failed is left as written) */
  value: unknown;
  /** every value that came from the environment or a file, for masking */
  secrets: Set<string>;
  problems: SecretProblem[];
}

const REF = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

/** Resolves every string in `data`; relative ${file:} paths are relative to `baseDir`. */
export function resolveSecrets(data: unknown, env: NodeJS.ProcessEnv, baseDir: string): Resolved {
  const secrets = new Set<string>();
  const problems: SecretProblem[] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') return v.includes('${') ? substitute(v, path) : v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    }
    return v;
  };
  const substitute = (s: string, path: KeyPath): string => {
    let failed = false;
    const out = s.replace(REF, (whole: string, ref: string | undefined) => {
      if (whole === '$${') return '${';
      const got = ref === undefined ? { error: `an unclosed "\${" (write \${env:NAME} or \${file:PATH}, or $\${ for a literal \${)` } : lookup(ref, env, baseDir);
      if ('error' in got) {
        failed = true;
        problems.push({ path, message: got.error });
        return whole;
      }
      if (got.value !== '') secrets.add(got.value);
      return got.value;
    });
    return failed ? s : out;
  };
  return { value: walk(data, []), secrets, problems };
}

function lookup(ref: string, env: NodeJS.ProcessEnv, baseDir: string): { value: string } | { error: string } {
  const colon = ref.indexOf(':');
  const kind = colon < 0 ? '' : ref.slice(0, colon);
  const arg = colon < 0 ? '' : ref.slice(colon + 1);
  if (kind === 'env') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) return { error: `\${env:${arg}}: "${arg}" is not an environment variable name` };
    const value = env[arg];
    if (value === undefined) return { error: `\${env:${arg}}: the environment variable ${arg} is not set` };
    if (value === '') return { error: `\${env:${arg}}: the environment variable ${arg} is empty` };
    return { value };
  }
  if (kind === 'file') {
    if (arg === '') return { error: '${file:}: no file named (write ${file:/etc/loghook/secret})' };
    const file = resolve(baseDir, arg);
    try {
      return { value: readFileSync(file, 'utf8').replace(/\r?\n$/, '') };
    } catch (err) {
      return { error: `\${file:${arg}}: cannot read ${file}: ${errnoCode(err) ?? errorMessage(err)}` };
    }
  }
  return { error: `"\${${ref.slice(0, 40)}}" is not a substitution (write \${env:NAME} or \${file:PATH}, or $\${ for a literal \${)` };
}
