// The entry point: parses arguments, runs one command, maps typed errors to exit codes.
// The only place in loghook that calls process.exit.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { catCommand } from './cat.js';
import { tailCommand } from './tail.js';
import { statusCommand } from './status.js';
import { deadCommand } from './dead.js';
import { checkCommand } from './check.js';
import { receiveCommand } from './receive.js';
import { sendTestCommand } from './send-test.js';
import { replayCommand } from './replay.js';
import { stateCommand } from './state.js';
import type { CommandContext } from './context.js';
import { ExitCode, LoghookError, errnoCode } from '../util/errors.js';
import { systemClock } from '../util/clock.js';
import { prefixed } from '../telemetry/logger.js';
import { releaseYoungGeneration } from '../util/heap.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const abort = new AbortController();
let stdoutReady = false;
const ctx: CommandContext = {
  // process.stdout is made on first use: touching it turns a pipe non-blocking, and `cat` writes
  // a pipe or a file straight to fd 1 with blocking writev when nothing touched it.
  get stdout() {
    if (!stdoutReady) {
      stdoutReady = true;
      // `loghook ... | head`: the reader went away. Not an error worth a stack trace.
      process.stdout.on('error', (err) => {
        if (errnoCode(err) === 'EPIPE') abort.abort();
      });
    }
    return process.stdout;
  },
  clock: systemClock,
  version: pkg.version,
  exitCode: ExitCode.ok,
  signal: abort.signal,
};

let signals = 0;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    // The first signal asks for a graceful stop; a second one exits at once (the state is safe).
    if (++signals > 1) process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    abort.abort(sig); // the reason names the signal: tail --once says "interrupted by SIGTERM"
  });
}

const program = new Command('loghook')
  .description("publish KumoMTA's log events to webhooks")
  .version(pkg.version, '-V, --version')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');
program.addCommand(tailCommand(ctx));
program.addCommand(replayCommand(ctx));
program.addCommand(catCommand(ctx));
program.addCommand(statusCommand(ctx));
program.addCommand(deadCommand(ctx));
program.addCommand(checkCommand(ctx));
program.addCommand(receiveCommand(ctx));
program.addCommand(sendTestCommand(ctx));
program.addCommand(stateCommand(ctx));
for (const c of program.commands.find((c) => c.name() === 'dead')!.commands) c.exitOverride();
for (const c of program.commands.find((c) => c.name() === 'state')!.commands) c.exitOverride();
for (const c of program.commands) c.exitOverride();
// The tail pipeline caps the young generation itself (util/heap.ts); other commands let it grow.
program.hook('preAction', (_program, action) => {
  if (action.name() !== 'tail') releaseYoungGeneration();
});

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof LoghookError) {
      process.stderr.write(prefixed(err.message));
      return err.exitCode;
    }
    process.stderr.write(prefixed(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    return ExitCode.failure;
  }
}

const code = await main();
// Let stdout drain before exiting (a pipe may still hold output).
if (stdoutReady) process.stdout.write('', () => process.exit(code));
else process.exit(code);
