import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { copyFixtureSegments, fixturePath, readExpectedLines } from './fixtures.js';
import { streamDecode } from './decode.js';
import { makeTempDir } from './tmp.js';

const tmp = makeTempDir('fixtures-');
after(() => tmp.cleanup());
const segments = copyFixtureSegments(tmp.path);

test('fixture segments are byte-identical to their recorded checksums', () => {
  const sums = readFileSync(fixturePath('segments.SHA256SUMS'), 'utf8').trim().split('\n');
  assert.equal(sums.length, segments.length);
  for (const line of sums) {
    const [sum, name] = line.split(/\s+/);
    assert.equal(createHash('sha256').update(readFileSync(join(tmp.path, name!))).digest('hex'), sum, name);
  }
});

test('copyFixtureSegments sets 0444 on finished and crashed segments, 0644 on the live one', () => {
  const modes = Object.fromEntries(segments.map((s) => [s.state, statSync(join(tmp.path, s.name)).mode & 0o777]));
  assert.deepEqual(modes, { finished: 0o444, crashed: 0o444, live: 0o644 });
  for (const s of segments) assert.equal(statSync(join(tmp.path, s.name)).mode & 0o777, s.mode, s.name);
});

test('each fixture segment streams exactly its expected whole lines', () => {
  for (const s of segments) {
    const expected = readExpectedLines(s);
    assert.equal(expected.length, s.expectedLines, s.name);
    const { data, ended } = streamDecode(readFileSync(join(tmp.path, s.name)));
    assert.equal(ended, s.state === 'finished', `${s.name} frame ended`);
    const text = data.toString();
    const whole = text.slice(0, text.lastIndexOf('\n') + 1);
    assert.equal(whole, expected.join(''), s.name);
    assert.equal(text.length > whole.length, s.state !== 'finished', `${s.name} partial last line`);
  }
});
