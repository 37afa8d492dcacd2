// The body writer: bytes, text and marks into one growing buffer, reused from body to body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyWriter } from '../../src/body/writer.js';

test('bytes, text and a reset to a mark make exactly the body written, past the size hint', () => {
  const w = new BodyWriter(256);
  const rec = Buffer.from('x{"type":"Delivery","id":"' + 'a'.repeat(40) + '"}y');
  w.begin(10);
  w.text('[');
  w.bytes(rec, 1, rec.length - 1); // over 64 bytes: copied natively
  w.text(',');
  const m = w.mark();
  w.bytes(rec, 1, 9); // a short range: copied byte by byte
  w.text('dropped');
  w.reset(m);
  w.text('"é",'); // multi-byte text
  for (let i = 0; i < 200; i++) w.bytes(rec, 1, rec.length - 1); // grows the buffer several times
  w.text(']');
  const inner = rec.subarray(1, rec.length - 1).toString();
  const want = `[${inner},"é",${inner.repeat(200)}]`;
  assert.equal(w.length(), Buffer.byteLength(want));
  assert.equal(w.finish().toString(), want);
});

test('a reused writer starts each body empty, and finish() copies into the buffer alloc gives', () => {
  const w = new BodyWriter(16);
  w.begin(0);
  w.text('first body, longer than the second');
  const first = w.finish();
  w.begin(0);
  w.text('second');
  let asked = -1;
  const second = w.finish((n) => ((asked = n), Buffer.alloc(n)));
  assert.equal(first.toString(), 'first body, longer than the second', 'the first body was overwritten by the second');
  assert.equal(second.toString(), 'second');
  assert.equal(asked, 6);
  // one huge body, then an ordinary one: still right (the big scratch buffer is let go)
  w.begin(3 * 1024 * 1024);
  w.bytes(Buffer.alloc(3 * 1024 * 1024, 0x61));
  assert.equal(w.finish().length, 3 * 1024 * 1024);
  w.begin(100);
  w.text('small');
  assert.equal(w.finish().toString(), 'small');
});
