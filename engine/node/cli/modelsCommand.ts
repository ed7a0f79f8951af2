import type { Command } from 'commander';
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
      console.log(formatTable(['name', 'architecture', 'status', 'license', 'description'], networks.map((n) => [n.name, n.architecture, n.status, n.license, n.description])));
    });
  models
    .command('import')
    .description("copy a network's weights into the data folder: a Keras HDF5 file (.h5, e.g. the Keras Applications VGG downloads) or a TensorFlow.js layers model")
    .argument('<source>', 'a Keras .h5 weights file, a folder holding model.json, or the model.json file')
    .requiredOption('--name <name>', 'the name to use it by (e.g. vgg19)')
    .action(async (source: string, options: { name: string }) => {
      const info = await importNetwork(source, options.name, storePaths(dataHome()).models);
      console.log(`Imported ${info.name}: ${info.architecture}, layers ${info.layers[0]} … ${info.layers.at(-1)} (${info.layers.length} convolutions), weights sha256 ${info.weightsSha256.slice(0, 12)}…`);
    });
}
