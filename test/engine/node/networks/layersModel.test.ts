import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readLayersModel } from '../../../../engine/node/networks/layersModel.js';
import { importNetwork, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { cliSandbox } from '../../../helpers/cli.js';
import { kerasDarknetTiny, saveLayersModel } from '../../../helpers/darknet.js';
import { assertRefusedInOneLine } from '../../../helpers/fuzz.js';
import { editModelJson, writeVggBlock1 } from '../../../helpers/layersModels.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

function tempFolder(prefix = 'pastiche-layers-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A block-1 model whose shard is moved beside its folder and named by `pathTo(shard)`. */
async function modelReadingOutside(pathTo: (outside: string) => string): Promise<{ folder: string; outside: string }> {
  const parent = tempFolder();
  const folder = join(parent, 'model');
  mkdirSync(folder);
  await writeVggBlock1(folder);
  const outside = join(parent, 'secret.bin');
  writeFileSync(outside, readFileSync(join(folder, 'group1-shard1of1')));
  editModelJson(folder, (json) => {
    json.weightsManifest[0].paths = [pathTo(outside)];
  });
  return { folder, outside };
}

const ESCAPES: [string, (outside: string) => string][] = [
  ['a ../ path', () => '../secret.bin'],
  ['an absolute path', (outside) => outside],
];

describe("TensorFlow.js layers models: weight shards stay inside the model's folder", () => {
  for (const [what, pathTo] of ESCAPES) {
    it(`refuses ${what} in weightsManifest[].paths, in the reader, import and --network`, async () => {
      const { folder } = await modelReadingOutside(pathTo);
      const models = tempFolder();
      const refusal = /model\.json: weightsManifest\[0\]\.paths\[0\] ".*secret\.bin" leads outside the folder/;
      await assertRefusedInOneLine(readLayersModel(folder), refusal);
      await assertRefusedInOneLine(importNetwork(folder, 'stolen', models), refusal);
      await assertRefusedInOneLine(loadNetwork(folder, models), refusal);
      assert.deepEqual(readdirSync(models), [], 'nothing is copied into the store');
    });
  }

  it('refuses a shard that is a link leading out of the folder', async () => {
    const { folder, outside } = await modelReadingOutside(() => 'group1-shard1of1');
    rmSync(join(folder, 'group1-shard1of1'));
    symlinkSync(outside, join(folder, 'group1-shard1of1'));
    await assertRefusedInOneLine(
      readLayersModel(folder),
      /weightsManifest\[0\]\.paths\[0\] "group1-shard1of1" leads outside the folder/,
    );
  });

  it("still reads shards in a subfolder of the model's folder", async () => {
    const folder = await writeVggBlock1(tempFolder());
    mkdirSync(join(folder, 'weights'));
    writeFileSync(join(folder, 'weights', 'shard'), readFileSync(join(folder, 'group1-shard1of1')));
    editModelJson(folder, (json) => {
      json.weightsManifest[0].paths = ['weights/shard'];
    });
    const model = await readLayersModel(folder);
    assert.deepEqual(model.tensors['block1_conv1/kernel'].shape, [3, 3, 3, 64]);
    tf.dispose(Object.values(model.tensors));
  });

  it(
    'refuses through the CLI: `models import`, `styles import` and `stylize --network` exit 1 with one line and ' +
      'store nothing',
    async () => {
      const { folder } = await modelReadingOutside(() => '../secret.bin');
      const { pastiche, home, files } = cliSandbox();
      for (const command of ['models', 'styles']) {
        const result = pastiche(command, 'import', folder, '--name', 'stolen');
        assert.equal(result.code, 1, result.stderr);
        assert.match(
          result.stderr.trim(),
          /^[^\n]*model\.json: weightsManifest\[0\]\.paths\[0\] "\.\.\/secret\.bin" leads outside the folder[^\n]*$/,
        );
      }
      const [photo, painting] = await Promise.all(
        ['photo.png', 'painting.png'].map(async (name) => {
          const file = join(files, name);
          await sharp({ create: { width: 24, height: 24, channels: 3, background: '#c84' } })
            .png()
            .toFile(file);
          return file;
        }),
      );
      const stylized = pastiche(
        'stylize',
        '--content',
        photo,
        '--style',
        painting,
        '--network',
        folder,
        '--out',
        join(files, 'out.png'),
        '--size',
        '24',
        '--iterations',
        '1',
      );
      assert.equal(stylized.code, 1, stylized.stderr);
      assert.match(
        stylized.stderr.trim(),
        /^[^\n]*model\.json: weightsManifest\[0\]\.paths\[0\] "\.\.\/secret\.bin" leads outside the folder[^\n]*$/,
      );
      assert.ok(!existsSync(join(files, 'out.png')));
      for (const store of ['models', 'styles'].map((name) => join(home, name))) {
        assert.deepEqual(
          existsSync(store) ? readdirSync(store).filter((name) => name !== '.downloads') : [],
          [],
          `nothing is written into ${store}`,
        );
      }
    },
  );
});

describe('TensorFlow.js layers models: reads bounded by what the manifest declares', () => {
  it("refuses a shard whose size differs from its group's, before reading it (a 3 GB sparse file)", async () => {
    const folder = await writeVggBlock1(tempFolder());
    truncateSync(join(folder, 'group1-shard1of1'), 3 * 1024 ** 3);
    await assertRefusedInOneLine(
      readLayersModel(folder),
      /group1-shard1of1: holds 3221225472 bytes, more than the 154880 /,
    );
  });

  it('refuses a shard that is a pipe instead of waiting on it forever', async () => {
    const folder = await writeVggBlock1(tempFolder());
    const shard = join(folder, 'group1-shard1of1');
    rmSync(shard);
    execFileSync('mkfifo', [shard]);
    await assertRefusedInOneLine(readLayersModel(folder), /group1-shard1of1: is not a regular file/);
  });
});

/** One malformed model.json: what to change, and what the refusal must say. */
const MALFORMED: [string, (json: any) => void, RegExp][] = [
  [
    'a negative dimension',
    (json) => {
      json.weightsManifest[0].weights[0].shape = [3, -3, 3, 64];
    },
    /weightsManifest\[0\]\.weights\[0\]\.shape\[1\]/,
  ],
  [
    'a fractional dimension',
    (json) => {
      json.weightsManifest[0].weights[0].shape = [3, 2.5, 3, 64];
    },
    /weightsManifest\[0\]\.weights\[0\]\.shape\[1\]/,
  ],
  [
    'paths that are not an array',
    (json) => {
      json.weightsManifest[0].paths = 'group1-shard1of1';
    },
    /weightsManifest\[0\]\.paths/,
  ],
  [
    'a group without weights',
    (json) => {
      delete json.weightsManifest[0].weights;
    },
    /weightsManifest\[0\]\.weights/,
  ],
  [
    'a null group',
    (json) => {
      json.weightsManifest.push(null);
    },
    /weightsManifest\[1\]/,
  ],
  [
    'a shape whose product overflows',
    (json) => {
      json.weightsManifest[0].weights[0].shape = [2 ** 40, 2 ** 40, 2 ** 40];
    },
    /weightsManifest\[0\]\.weights\[0\]\.shape/,
  ],
  [
    'an unknown dtype',
    (json) => {
      json.weightsManifest[0].weights[0].dtype = 'float128';
    },
    /weightsManifest\[0\]\.weights\[0\]\.dtype/,
  ],
  [
    'a string dtype',
    (json) => {
      json.weightsManifest[0].weights[0].dtype = 'string';
    },
    /weightsManifest\[0\]\.weights\[0\]\.dtype/,
  ],
  [
    'uint8 quantization without a scale',
    (json) => {
      json.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', min: 0 };
    },
    /weightsManifest\[0\]\.weights\[0\]\.quantization/,
  ],
  [
    'an unknown quantization',
    (json) => {
      json.weightsManifest[0].weights[0].quantization = { dtype: 'int4' };
    },
    /weightsManifest\[0\]\.weights\[0\]\.quantization\.dtype/,
  ],
  [
    'a weight named twice',
    (json) => {
      json.weightsManifest[0].weights[1].name = json.weightsManifest[0].weights[0].name;
    },
    /block1_conv1\/kernel.*twice/,
  ],
  [
    'a null layer in the topology',
    (json) => {
      json.modelTopology.model_config.config.layers[1] = null;
    },
    /modelTopology.*layers\[1\]/,
  ],
  [
    "a model name that is an object's property",
    (json) => {
      json.modelTopology.model_config.config.name = 'constructor';
    },
    /cannot tell which VGG/,
  ],
];

describe('TensorFlow.js layers models: malformed model.json refused in one line naming the file and the field', () => {
  for (const [what, change, field] of MALFORMED) {
    it(`refuses ${what}`, async () => {
      const folder = await writeVggBlock1(tempFolder());
      editModelJson(folder, change);
      const tensors = tf.memory().numTensors;
      await assertRefusedInOneLine(
        importNetwork(folder, 'bad', tempFolder()),
        new RegExp(`model\\.json: .*${field.source}`),
      );
      assert.equal(tf.memory().numTensors, tensors, 'no tensor is left behind');
    });
  }

  it('refuses a Darknet layer without config', async () => {
    const keras = kerasDarknetTiny(5);
    const folder = await saveLayersModel(keras, tempFolder());
    keras.dispose();
    editModelJson(folder, (json) => {
      delete json.modelTopology.config.layers[3].config;
    });
    await assertRefusedInOneLine(
      importNetwork(folder, 'bad', tempFolder()),
      /model\.json: modelTopology\.config\.layers\[3\]\.config/,
    );
  });
});

describe('TensorFlow.js layers models: non-finite weights', () => {
  for (const value of [NaN, Infinity, -Infinity]) {
    it(`refuses a kernel holding ${value} before anything is stored, naming the file and the tensor`, async () => {
      const folder = await writeVggBlock1(tempFolder());
      const shard = join(folder, 'group1-shard1of1');
      const bytes = readFileSync(shard);
      // block1_conv1/bias follows the 1728 values of block1_conv1/kernel.
      bytes.writeFloatLE(value, 4 * 1730);
      writeFileSync(shard, bytes);
      const models = tempFolder();
      await assertRefusedInOneLine(
        importNetwork(folder, 'bad', models),
        new RegExp(`model\\.json: weight block1_conv1/bias: value 2 is ${value}, not a finite number`),
      );
      assert.deepEqual(readdirSync(models), []);
    });
  }
});
