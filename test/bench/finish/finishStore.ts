import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireCatalogueEntry } from '../../../engine/node/networks/catalogue.js';
import { installNetwork } from '../../../engine/node/networks/installNetwork.js';
import { importNetwork } from '../../../engine/node/networks/registry.js';
import { openRunStore, type RunStore } from '../../../engine/node/store/runStore.js';
import { SHARED } from '../../helpers/shared.js';
import { REFERENCE } from '../quality/qualityOptions.js';

/** Networks the bench brings into its throwaway data folder (vgg19-random is generated and needs nothing). */
const INSTALLERS: Record<string, (models: string) => Promise<unknown>> = {
  [REFERENCE]: (models) => importNetwork(join(SHARED, 'models/vgg19-imagenet-blocks1-3'), REFERENCE, models),
  // Installs from the nsfwjs package already in node_modules: no download.
  'inception3-imagenet': (models) => installNetwork(requireCatalogueEntry('inception3-imagenet'), models),
};

/** A run store in a throwaway folder with the networks asked for installed; `close` deletes it. */
export async function finishStore(networks: readonly string[]): Promise<{ store: RunStore; close(): void }> {
  const home = mkdtempSync(join(tmpdir(), 'pastiche-finish-'));
  const store = openRunStore(home);
  for (const network of networks) await INSTALLERS[network]?.(store.paths.models);
  return {
    store,
    close() {
      store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
