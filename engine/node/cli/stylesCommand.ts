import type { Command } from 'commander';
import { selectBackend } from '../backend.js';
import { importStyle, listStyles } from '../fast/styleLibrary.js';
import { dataHome, storePaths } from '../paths.js';
import { printJson } from './progressView.js';
import { formatTable } from './table.js';

export function registerStylesCommands(program: Command): void {
  const styles = program
    .command('styles')
    .description('the fast style networks of the data folder (imported or trained), for `pastiche fast`')
    .option('--json', 'print JSON', false)
    .action((options: { json: boolean }) => {
      const list = listStyles(storePaths(dataHome()).styles);
      if (options.json) return printJson(list);
      if (list.length === 0) return console.log('No styles yet: `pastiche styles import DIR --name NAME` adds one (a deeplearn.js checkpoint or a TensorFlow.js layers model).');
      console.log(formatTable(['name', 'source', 'origin', 'weights sha256', 'saved'], list.map((s) => [s.name, s.source, s.origin, `${s.weightsSha256.slice(0, 12)}…`, (s.savedAt ?? '').slice(0, 19).replace('T', ' ')])));
    });
  styles
    .command('import')
    .description("copy a fast style network into the data folder: a deeplearn.js / ml5 checkpoint (a folder with manifest.json and one file per variable) or a TensorFlow.js layers model (per layer: kernel, optional bias, normalisation shift and scale)")
    .argument('<source>', 'a folder holding manifest.json or model.json, or that file')
    .requiredOption('--name <name>', 'the name to use it by (e.g. udnie)')
    .action(async (source: string, options: { name: string }) => {
      // Reading weights makes tensors: on the backend runs use (and without TensorFlow.js's console banner).
      await selectBackend();
      const info = await importStyle(source, options.name, storePaths(dataHome()).styles);
      console.log(`Imported ${info.name}: ${info.source}, weights sha256 ${info.weightsSha256.slice(0, 12)}…`);
    });
}
