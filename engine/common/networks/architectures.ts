import { ALEXNET } from './alexnet.js';
import type { NetworkArchitecture } from './architecture.js';
import { DARKNET_TINY } from './darknet.js';
import { GOOGLENET } from './googlenet.js';
import { INCEPTION_V3 } from './inception3.js';
import { VGG16, VGG19 } from './vgg.js';

/**
 * Every architecture the engine can build, by family name (what the catalogue and saved networks
 * name). Without a prototype, so that a name read from a file (`constructor`, `toString`) finds nothing.
 */
export const ARCHITECTURES: Readonly<Record<string, NetworkArchitecture>> = Object.assign(
  Object.create(null) as Record<string, NetworkArchitecture>,
  {
    vgg16: VGG16,
    vgg19: VGG19,
    alexnet: ALEXNET,
    googlenet: GOOGLENET,
    'darknet-tiny': DARKNET_TINY,
    inception3: INCEPTION_V3,
  },
);
