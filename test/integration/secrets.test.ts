// Secrets in the URL (issue 10 §5): a token in the query and a password in the userinfo reach the
// receiver, and nothing loghook prints or stores holds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setup, segment, publishable } from './tail-support.js';
import { runCli } from '../helpers/cli.js';
import Database from 'better-sqlite3';

/** Every file under `dir`, whatever its kind (queue.db, its WAL, body files, runtime.json...). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('a token in the query and a password in the URL reach the receiver, never the logs, status or the state dir', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(30));
    // one failure, so that an endpoint error and a retry row are stored too
    env.rx.script({ status: 503, body: 'busy' });
    const url = env.rx.url.replace('http://', 'http://hookuser:PASSWORDVALUE@') + '?token=SECRETVALUE&tenant=acme';
    const args = ['tail', env.logs.path, '--state-dir', env.state.path, '--log-format', 'json', '--once', '--retry-interval', '200ms'];
    const stderr: string[] = [];
    let code: number | null = null;
    for (let run = 0; run < 5; run++) {
      const r = await runCli(args, { LOGHOOK_URL: url, LOGHOOK_LOG_LEVEL: 'debug' });
      stderr.push(r.stderr);
      code = r.code;
      if (code !== 10) break; // 10: the failed record is queued for a retry
      await new Promise((res) => setTimeout(res, 250)); // the retry interval, so the next run has it due
    }
    assert.equal(code, 0, stderr.join('\n'));
    // the receiver got the real token and the credentials
    assert.equal(env.rx.accepted().length, 30);
    for (const q of env.rx.requests) {
      assert.equal(q.url, '/hook?token=SECRETVALUE&tenant=acme');
      assert.equal(q.headers.authorization, `Basic ${Buffer.from('hookuser:PASSWORDVALUE').toString('base64')}`);
    }
    const status = await runCli(['status', '--state-dir', env.state.path]);
    const json = await runCli(['status', '--json', '--state-dir', env.state.path]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout.toString(), /endpoint {4}http:\/\/127\.0\.0\.1:\d+\/hook\?token=\*\*\*&tenant=\*\*\*/);
    assert.equal(JSON.parse(json.stdout.toString()).endpoints[0].url, env.rx.url + '?token=***&tenant=***');
    const places: [string, string | Buffer][] = [
      ['stderr', stderr.join('\n')],
      ['status', status.stdout],
      ['status --json', json.stdout],
      ...filesUnder(env.state.path).map((f): [string, Buffer] => [f, readFileSync(f)]),
    ];
    assert.ok(places.some(([p]) => p.endsWith('runtime.json')), 'the runtime file is among them');
    assert.ok(places.some(([p]) => p.endsWith('queue.db')), 'queue.db is among them');
    for (const [where, text] of places) {
      for (const secret of ['SECRETVALUE', 'PASSWORDVALUE', Buffer.from('hookuser:PASSWORDVALUE').toString('base64')]) {
        assert.ok(!text.includes(secret), `${where} holds ${secret}`);
      }
    }
  } finally {
    await env.close();
  }
});

test('status masks the query of an endpoint URL stored by an older loghook', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(2));
    assert.equal((await env.tail(['--once'])).code, 0);
    const db = new Database(join(env.state.path, 'queue.db'));
    db.prepare('INSERT INTO endpoints (url, last_error, last_error_at, last_success_at) VALUES (?, ?, ?, ?)').run('https://old.example/hook?key=OLDSECRET', '503', 1, null);
    db.close();
    const text = await runCli(['status', '--state-dir', env.state.path]);
    const json = await runCli(['status', '--json', '--state-dir', env.state.path]);
    assert.match(text.stdout.toString(), /endpoint {4}https:\/\/old\.example\/hook\?key=\*\*\*/);
    for (const out of [text.stdout, json.stdout]) assert.ok(!out.includes('OLDSECRET'), out.toString());
  } finally {
    await env.close();
  }
});
