// `loghook receive`: a local webhook receiver that prints what arrives (for trying and debugging).
// The signing secret comes from LOGHOOK_RECEIVE_SECRET or --secret-file, never from the command
// line: `--secret VALUE` is refused (ps shows every argument to every user).
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { Command, Option } from 'commander';
import { InputError, UsageError, errorMessage } from '../util/errors.js';
import * as opt from './options.js';
import type { CommandContext } from './context.js';

interface ReceiveFlags {
  port: number;
  host: string;
  secretFile?: string;
  secret?: string;
  status: number;
  failFirst?: number;
  count?: number;
  format?: 'text' | 'json';
}

function statusCode(v: string): number {
  const n = Number(v);
  if (!/^\d{3}$/.test(v.trim()) || n < 200 || n > 599) throw new UsageError(`--status: "${v}" is not an HTTP status from 200 to 599`);
  return n;
}

function port(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535) throw new UsageError(`--port: "${v}" is not a port number (0 to 65535; 0 picks a free one)`);
  return n;
}

export function receiveCommand(ctx: CommandContext): Command {
  return new Command('receive')
    .description('a local webhook receiver that prints what arrives: for trying loghook on one machine and for debugging')
    .addOption(new Option('--port <n>', 'port to listen on (0 picks a free one)').default(8080).argParser(port))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--secret-file <file>', 'check Standard Webhooks signatures with the secret (whsec_...) in FILE; or set LOGHOOK_RECEIVE_SECRET'))
    // Refused with a message saying where the secret goes (hidden: it is not an option to use).
    .addOption(new Option('--secret <secret>').hideHelp())
    .addOption(new Option('--status <code>', 'answer every request with this status (e.g. 503, to try retries)').default(200).argParser(statusCode))
    .addOption(new Option('--fail-first <n>', 'answer --status only to the first N requests, 200 after them').argParser(opt.count('--fail-first')))
    .addOption(new Option('--count <n>', 'exit after answering N requests').argParser(opt.count('--count')))
    .addOption(new Option('--format <format>', 'text or json lines (default: text on a terminal, else json)').choices(['text', 'json']))
    .action(async (f: ReceiveFlags) => {
      if (f.secret !== undefined) {
        throw new UsageError('--secret: secrets never go on the command line (ps shows them to every user); put it in LOGHOOK_RECEIVE_SECRET or in a file named by --secret-file');
      }
      const { receive } = await import('../receive/server.js');
      const { SignatureVerifier } = await import('../receive/verify.js');
      const secret = readSecret(f.secretFile);
      await receive({
        host: f.host,
        port: f.port,
        status: f.status,
        ...(f.failFirst !== undefined ? { failFirst: f.failFirst } : {}),
        ...(f.count !== undefined ? { count: f.count } : {}),
        ...(secret ? { verifier: new SignatureVerifier(secret.value, secret.source) } : {}),
        format: f.format ?? (isatty(1) ? 'text' : 'json'),
        out: ctx.stdout,
        signal: ctx.signal,
      });
    });
}

/** --secret-file wins over LOGHOOK_RECEIVE_SECRET, as the command line wins over the environment elsewhere. */
function readSecret(file: string | undefined): { value: string; source: string } | null {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InputError(`--secret-file ${file}: cannot read it: ${errorMessage(err)}`);
    }
    if (text.trim() === '') throw new UsageError(`--secret-file ${file}: the file is empty; it should hold the secret (whsec_...)`);
    return { value: text.trim(), source: `--secret-file ${file}` };
  }
  const env = process.env.LOGHOOK_RECEIVE_SECRET;
  if (env !== undefined && env.trim() !== '') return { value: env.trim(), source: 'LOGHOOK_RECEIVE_SECRET' };
  return null;
}
