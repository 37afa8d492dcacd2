// `loghook state check`: is the state dir whole (exit 0) or damaged (exit 6)? Takes no lock and
// writes nothing, so it runs beside a tail.
import { Command } from 'commander';
import { defaultStateDir } from '../config/state-dir.js';
import { ExitCode } from '../util/errors.js';
import type { StateCheck } from '../spool/state-check.js';
import type { CommandContext } from './context.js';

export function stateCommand(ctx: CommandContext): Command {
  const state = new Command('state').description('look after the state dir: check it for damage');
  state
    .command('check')
    .description("check the state dir: SQLite's integrity_check of queue.db, and that every queued record's body file is there and long enough (exit 0 whole, 6 damaged)")
    .option('--state-dir <dir>', 'the state dir to check (default as for tail)', process.env.LOGHOOK_STATE_DIR)
    .option('--json', 'print one JSON object', false)
    .action(async (f: { stateDir?: string; json: boolean }) => {
      const { checkState } = await import('../spool/state-check.js');
      const c = checkState(f.stateDir ?? defaultStateDir());
      ctx.stdout.write(f.json ? JSON.stringify(c, null, 2) + '\n' : render(c));
      if (!c.ok) ctx.exitCode = ExitCode.damagedState;
    });
  return state;
}

export function render(c: StateCheck): string {
  if (c.ok) {
    const q = c.queued!;
    return (
      `state dir ${c.stateDir}: whole. queue.db passes SQLite's integrity_check; ${q.records} queued records in ${q.rows} rows, ` +
      `${q.bodyFiles} body file${q.bodyFiles === 1 ? '' : 's'} holding their bytes, ${q.deadLetters} dead letters\n`
    );
  }
  return [
    `state dir ${c.stateDir}: DAMAGED`,
    ...c.problems.map((p) => `  ${p}`),
    'A tail stops on this state dir (exit 6) rather than guess what to send. To start over:',
    `  1. stop loghook, then move the state dir aside: mv ${c.stateDir} ${c.stateDir}.damaged (keep it to look into)`,
    '  2. run tail with --start-at TIME, a time before the damage: records logged from TIME on are sent again,',
    '     records queued before TIME and not yet delivered are lost, and so are the dead letters (README: "Damaged state")',
    '',
  ].join('\n');
}
