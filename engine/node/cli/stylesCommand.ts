import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { selectBackend } from '../backend.js';
import { installStyle } from '../fast/installStyle.js';
import { catalogueStyles, requireStyleCatalogueEntry } from '../fast/styleCatalogue.js';
import { importStyle, listStyles } from '../fast/styleLibrary.js';
import { dataHome, storePaths } from '../paths.js';
import { printJson } from './progressView.js';
import { formatTable } from './table.js';

export function registerStylesCommands(program: Command): void {
  const styles = program
    .command('styles')
    .description(
      "the fast style networks of the data folder (installed, imported or trained) and the catalogue's," +
        ' for `pastiche fast`',
    )
    .option('--json', 'print JSON', false)
    .action((options: { json: boolean }) => listAllStyles(options.json));
  styles
    .command('install')
    .description(
      "download a catalogue style (resuming an interrupted download), check every file's SHA-256 and add it" +
        ' to the library; offline, says how to import it instead',
    )
    .argument('<name>', 'a style of `pastiche styles` with status not installed, e.g. udnie')
    .action(async (name: string) => {
      const entry = requireStyleCatalogueEntry(name);
      const abort = new AbortController();
      const onInterrupt = () => abort.abort();
      process.once('SIGINT', onInterrupt);
      const format = ` ${name} {bar} {percentage}% | {received} of {size} MB`;
      const options = { stream: process.stderr, format, hideCursor: true };
      const bar = new cliProgress.SingleBar(options, cliProgress.Presets.shades_classic);
      try {
        // Converting the checkpoint makes tensors: on the backend runs use (and without TensorFlow.js's console
        // banner).
        await selectBackend();
        const info = await installStyle(entry, storePaths(dataHome()).styles, {
          signal: abort.signal,
          onProgress: ({ receivedBytes, totalBytes }) => {
            const size = (totalBytes / 1e6).toFixed(1);
            if (!bar.isActive) bar.start(totalBytes, 0, { received: '0.0', size });
            bar.update(receivedBytes, { received: (receivedBytes / 1e6).toFixed(1), size });
          },
        });
        bar.stop();
        console.log(`Installed ${info.name}: ${info.source}, weights sha256 ${info.weightsSha256.slice(0, 12)}…`);
      } finally {
        bar.stop();
        process.off('SIGINT', onInterrupt);
      }
    });
  styles
    .command('import')
    .description(
      'copy a fast style network into the data folder: a deeplearn.js ' +
        '/ ml5 checkpoint (a folder with manifest.json and one ' +
        'file per variable) or a TensorFlow.js layers model (per ' +
        'layer: kernel, optional bias, normalisation shift and scale)',
    )
    .argument('<source>', 'a folder holding manifest.json or model.json, or that file')
    .requiredOption('--name <name>', 'the name to use it by (e.g. udnie)')
    .action(async (source: string, options: { name: string }) => {
      // Reading weights makes tensors: on the backend runs use (and without TensorFlow.js's console banner).
      await selectBackend();
      const info = await importStyle(source, options.name, storePaths(dataHome()).styles);
      console.log(`Imported ${info.name}: ${info.source}, weights sha256 ${info.weightsSha256.slice(0, 12)}…`);
    });
}

/** The library's styles (installed), then the catalogue's not installed, as `pastiche models` lists networks. */
function listAllStyles(json: boolean): void {
  const stylesDir = storePaths(dataHome()).styles;
  const library = listStyles(stylesDir);
  const catalogue = catalogueStyles(stylesDir);
  const available = catalogue.filter((style) => style.status === 'not-installed');
  if (json) return printJson([...library.map((style) => ({ ...style, status: 'installed' })), ...available]);
  const paintingOf = (name: string) => {
    const entry = catalogue.find((style) => style.name === name);
    return entry?.painting ? `${entry.painting}, ${entry.artist}` : '';
  };
  const saved = (s: { savedAt: string | null }) => (s.savedAt ?? '').slice(0, 19).replace('T', ' ');
  const rows = [
    ...library.map((s) => {
      const digest = `${s.weightsSha256.slice(0, 12)}…`;
      return [s.name, 'installed', s.source, paintingOf(s.name), digest, saved(s)];
    }),
    ...available.map((s) => {
      const source = `catalogue, ${(s.downloadBytes / 1e6).toFixed(1)} MB`;
      return [s.name, 'not installed', source, paintingOf(s.name), '', ''];
    }),
  ];
  console.log(formatTable(['name', 'status', 'source', 'painting', 'weights sha256', 'saved'], rows));
  if (available.length === 0) return;
  console.log(
    '\n`pastiche styles install NAME` downloads a catalogue style;' +
      ' `pastiche styles import DIR --name NAME` adds a checkpoint or TensorFlow.js model.',
  );
}
