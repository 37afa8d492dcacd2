// `loghook check [--config FILE]`: validate a config file as `tail` would, and print it resolved
// (every default filled in, secrets masked). Every problem is reported at once; exit 2 then.
import { Command, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/defaults.js';
import { defaultConfigFile, loadConfigFile } from '../config/load.js';
import { maskConfig } from '../config/mask.js';
import { configToToml } from '../config/print.js';
import { UsageError } from '../util/errors.js';
import type { CommandContext } from './context.js';
import { notRunnableYet } from './tail-config.js';

export function checkCommand(ctx: CommandContext): Command {
  return new Command('check')
    .description('validate a config file and print it resolved, with defaults filled in and secrets masked')
    .addOption(new Option('--config <file>', `the file to check (default ${DEFAULT_CONFIG_FILE})`).env('LOGHOOK_CONFIG'))
    .option('--json', 'print the resolved configuration as JSON (the typed Config tail runs with)', false)
    .action((f: { config?: string; json: boolean }) => {
      const file = f.config || defaultConfigFile(process.env);
      if (file === null) throw new UsageError(`no config file: give --config FILE (or set LOGHOOK_CONFIG), or create ${process.env.LOGHOOK_DEFAULT_CONFIG || DEFAULT_CONFIG_FILE}`);
      const loaded = loadConfigFile(file, { env: process.env });
      const shown = maskConfig(loaded.config, loaded.secrets);
      const hooks = shown.hooks.length;
      // valid, but this release's tail refuses it: say so now rather than at the restart
      const notYet = notRunnableYet(loaded.config, loaded.file);
      ctx.stdout.write(
        f.json
          ? JSON.stringify({ file: loaded.file, config: shown }, null, 2) + '\n'
          : `# ${loaded.file}: valid, ${hooks} hook${hooks === 1 ? '' : 's'}; resolved with every default, secrets masked (***)\n` +
              (notYet ? `# note: tail does not run it yet: ${notYet.slice(`${loaded.file}: `.length)}\n` : '') +
              configToToml(shown),
      );
    });
}
