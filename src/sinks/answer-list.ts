// `retry_on` / `final_on` for a broker: lists of the answer names its policy table knows.
import { UsageError } from '../util/errors.js';

/** Parses `nack, returned` (commas and/or spaces) against `names`. Throws UsageError naming the bad item. */
export function parseAnswerList<T extends string>(text: string, names: readonly T[], what: string, name: string): T[] {
  const out: T[] = [];
  for (const item of text.split(/[\s,]+/)) {
    if (item === '') continue;
    if (!(names as readonly string[]).includes(item)) throw new UsageError(`${name}: "${item}" is not ${what} (use ${names.join(', ')})`);
    out.push(item as T);
  }
  return out;
}
