// `loghook send-test`: sends one sample record through a hook's real request path and prints
// the answer. Takes the hooks as tail does (--config FILE, or DIR --url URL and the hook flags).
import { Command, Option } from 'commander';
import { createLogger } from '../telemetry/logger.js';
import { tailConfig, type FlagSource, type TailFlags } from '../config/from-flags.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../util/errors.js';
import type { HttpOutcome } from '../sinks/http/client.js';
import type { CommandContext } from './context.js';
import { tailOptions } from './tail.js';
import { tailOptionsOf } from './tail-config.js';

/** Response headers worth showing: what a receiver says about why, and who answered. */
const SHOWN_HEADERS = ['content-type', 'location', 'retry-after', 'www-authenticate', 'server', 'x-request-id', 'request-id'];
/** exit codes, the one that needs the operator most first (as tail --once) */
const WORST_FIRST: ExitCodeValue[] = [ExitCode.endpointMisconfigured, ExitCode.unreachable, ExitCode.failure, ExitCode.ok];

export function sendTestCommand(ctx: CommandContext): Command {
  const cmd = new Command('send-test')
    .description("send one sample record (KumoMTA's documented Delivery example, marked as a test) through a hook's real request path and print the answer")
    .argument('[dirs...]', 'with --url: as for tail (the hook of tail DIR --url URL)')
    .addOption(new Option('--hook <name>', 'only this hook of the config file (default: each hook in turn)'));
  for (const o of tailOptions()) if (o.long !== '--once') cmd.addOption(o);
  cmd.addHelpText(
    'after',
    `
The record carries "meta": {"loghook_test": "send-test"} and an event id (webhook-id) that starts
with loghook-test-, new on every run. Nothing is queued; no state dir is needed.
Exit codes: 0 the receiver took it (2xx); 13 the receiver's setup is wrong (certificate, redirect,
401/403/404 ...); 12 no answer (refused, DNS, timeout); 1 any other answer; 2 usage or configuration.`,
  );
  return cmd.action(async (dirs: string[], f: TailFlags & { hook?: string }) => {
    const source: FlagSource = (k) => {
      const s = cmd.getOptionValueSource(k);
      return s === 'cli' ? 'cli' : s === 'env' ? 'env' : undefined;
    };
    const { config, file } = tailConfig(dirs, { ...f, once: false }, source, process.env);
    const logger = createLogger({ ...(config.logFormat ? { format: config.logFormat } : {}), level: config.logLevel });
    let answer: HttpOutcome | null = null;
    const { hooks } = tailOptionsOf(config, file, { version: ctx.version, logger, clock: ctx.clock, onHttpAnswer: (a) => (answer = a) });
    try {
      const chosen = f.hook === undefined ? hooks : hooks.filter((h) => h.name === f.hook);
      if (chosen.length === 0) throw new UsageError(`--hook ${f.hook}: no such hook in ${file ?? 'the command line'} (hooks: ${hooks.map((h) => h.name).join(', ')})`);
      const { sendTest, sendTestExit } = await import('../pipeline/send-test.js');
      const codes: ExitCodeValue[] = [];
      for (const rt of chosen) {
        answer = null;
        const r = await sendTest(rt, ctx.clock);
        codes.push(sendTestExit(r.outcome));
        ctx.stdout.write(render(r, answer));
      }
      ctx.exitCode = WORST_FIRST.find((c) => codes.includes(c)) ?? 0;
    } finally {
      for (const h of hooks) h.close?.();
    }
  });
}

function render(r: { hook: string; endpoint: string; eventId: string; outcome: { verdict: string; disposition: string | null }; ms: number }, answer: HttpOutcome | null): string {
  const out = [`hook      ${r.hook} -> ${r.endpoint}`, `sent      1 sample Delivery record, event id ${r.eventId}`];
  const took = `${Math.round(r.ms)} ms`;
  if (answer?.kind === 'response') {
    out.push(`answer    ${answer.status} ${answer.statusText} in ${took}`.trimEnd());
    for (const name of SHOWN_HEADERS) {
      const v = answer.headers[name];
      if (v !== undefined) out.push(`  ${name}: ${Array.isArray(v) ? v.join(', ') : v}`);
    }
    if (answer.bodySnippet) out.push(`body      ${answer.bodySnippet.replace(/\s+/g, ' ').trim()}`);
  } else if (answer?.kind === 'error') out.push(`answer    none after ${took}: ${answer.code} ${answer.message}`);
  else out.push(`answer    in ${took}`);
  out.push(r.outcome.verdict === 'delivered' ? 'result    delivered' : `result    not delivered: ${r.outcome.disposition ?? r.outcome.verdict}`);
  return out.join('\n') + '\n';
}
