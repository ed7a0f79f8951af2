#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isPasticheError } from '../../common/errors.js';
import { registerFastCommand } from './fastCommand.js';
import { registerGenerateCommand } from './generateCommand.js';
import { registerModelsCommands } from './modelsCommand.js';
import { registerRunsCommands } from './runsCommand.js';
import { registerStylesCommands } from './stylesCommand.js';
import { registerStylizeCommand } from './stylizeCommand.js';
import { registerTrainStyleCommand } from './trainStyleCommand.js';

/** The environment variables every command reads (docs/cli.md, "Environment"). */
const ENVIRONMENT_HELP = `
Environment:
  PASTICHE_HOME             the data folder (default: the per-user data folder)
  PASTICHE_BACKEND          force a backend, as --backend
  PASTICHE_MAX_PIXELS       the largest picture read or made, in pixels (default 100000000)
  PASTICHE_CATALOGUE        another catalogue of networks (a mirror)
  PASTICHE_STYLE_CATALOGUE  another catalogue of fast styles (a mirror)

Every command and option: docs/cli.md; \`pastiche COMMAND --help\` for one command.`;

/** `pastiche`: the headless face of the studio. Every picture it makes is a run in the store. */
function pasticheProgram(): Command {
  const program = new Command('pastiche')
    .description(
      'Neural style transfer studio — command line. Data folder: $PASTICHE_HOME or the per-user data folder.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', ENVIRONMENT_HELP)
    .exitOverride();
  registerStylizeCommand(program);
  registerGenerateCommand(program);
  registerFastCommand(program);
  registerTrainStyleCommand(program);
  registerRunsCommands(program);
  registerModelsCommands(program);
  registerStylesCommands(program);
  return program;
}

/** Bad input ends with one line and a non-zero exit; anything else is a bug and keeps its stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await pasticheProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (isPasticheError(error)) {
      process.stderr.write(`pastiche: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`pastiche: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 70;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await main(process.argv);
