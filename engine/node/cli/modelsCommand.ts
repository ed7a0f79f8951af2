import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import { requireCatalogueEntry } from '../networks/catalogue.js';
import { installNetwork } from '../networks/installNetwork.js';
import { importNetwork, listNetworks } from '../networks/registry.js';
import { dataHome, storePaths } from '../paths.js';
import { printJson } from './progressView.js';
import { formatTable } from './table.js';

export function registerModelsCommands(program: Command): void {
  const models = program
    .command('models')
    .description('networks available and where they come from')
    .option('--json', 'print JSON', false)
    .action((options: { json: boolean }) => {
      const networks = listNetworks(storePaths(dataHome()).models);
      if (options.json) return printJson(networks);
      console.log(
        formatTable(
          ['name', 'architecture', 'status', 'license', 'description'],
          networks.map((n) => [n.name, n.architecture, n.status, n.license, n.description]),
        ),
      );
    });
  models
    .command('install')
    .description(
      'download a catalogue network (resuming an interrupted download), check ' +
        'its checksum and convert it; offline, says how to import the file instead',
    )
    .argument('<name>', 'a network of `pastiche models` with status not-installed, e.g. vgg19')
    .action(async (name: string) => {
      const entry = requireCatalogueEntry(name);
      const abort = new AbortController();
      const onInterrupt = () => abort.abort();
      process.once('SIGINT', onInterrupt);
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: ` ${name} {bar} {percentage}% | {received} of {size} MB`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      try {
        const info = await installNetwork(entry, storePaths(dataHome()).models, {
          signal: abort.signal,
          onProgress: ({ receivedBytes, totalBytes }) => {
            if (!bar.isActive) bar.start(totalBytes, 0, { received: '0.0', size: (totalBytes / 1e6).toFixed(1) });
            bar.update(receivedBytes, {
              received: (receivedBytes / 1e6).toFixed(1),
              size: (totalBytes / 1e6).toFixed(1),
            });
          },
        });
        bar.stop();
        console.log(
          `Installed ${info.name}: ${info.architecture}, ${info.layers.length} ` +
            `convolutions, weights sha256 ${info.weightsSha256.slice(0, 12)}…`,
        );
      } finally {
        bar.stop();
        process.off('SIGINT', onInterrupt);
      }
    });
  models
    .command('import')
    .description(
      "copy a network's weights into the data folder: an ONNX model (.onnx, the ONNX model zoo's AlexNet and " +
        'GoogLeNet), a Keras HDF5 file (.h5, e.g. the Keras ' +
        'Applications VGG downloads) or a TensorFlow.js layers model',
    )
    .argument(
      '<source>',
      'an .onnx model, a Keras .h5 weights file, a folder holding model.json, or the model.json file',
    )
    .requiredOption('--name <name>', 'the name to use it by (e.g. googlenet)')
    .option(
      '--architecture <family>',
      `the network the file holds, when its layer names do not tell (${Object.keys(ARCHITECTURES).join(', ')})`,
    )
    .action(async (source: string, options: { name: string; architecture?: string }) => {
      const info = await importNetwork(source, options.name, storePaths(dataHome()).models, options.architecture);
      console.log(
        `Imported ${info.name}: ${info.architecture}, layers ${info.layers[0]} … ${info.layers.at(-1)} ` +
          `(${info.layers.length} convolutions), weights sha256 ${info.weightsSha256.slice(0, 12)}…`,
      );
    });
}
