// Records as the tests need them: one line's view, KumoMTA's documented examples as compact lines.
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers/fixtures.js';
import { RecordView } from '../../src/record/view.js';

/** A view of one line (its "\n" added when missing), alone in its own buffer. */
export function viewOf(line: string): RecordView {
  const buf = Buffer.from(line.endsWith('\n') ? line : line + '\n');
  return new RecordView(buf, 0, buf.length);
}

/** A view of `line` in the middle of other bytes, as a decode buffer holds it. */
export function viewAmid(line: string, before = '{"type":"Bounce"}\n', after = '{"type":"Delivery","reception_protocol":"LogRecord"}\n'): RecordView {
  const buf = Buffer.from(before + line + after);
  const start = Buffer.byteLength(before);
  return new RecordView(buf, start, start + Buffer.byteLength(line));
}

/** A strict-JSON example of test/fixtures/docs-examples, as kumod writes it: one compact line. */
export function docsLine(name: string): string {
  return JSON.stringify(JSON.parse(readFileSync(fixturePath('docs-examples', name), 'utf8'))) + '\n';
}

/** A record (an object) as one compact line. */
export function line(rec: Record<string, unknown>): string {
  return JSON.stringify(rec) + '\n';
}
