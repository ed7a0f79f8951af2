import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset, Group } from 'h5wasm';
import { describe, it } from 'node:test';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { readKerasWeightsFile } from '../../../../engine/node/networks/kerasWeightsFile.js';
import { importNetwork, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { readInChildProcess, writeKerasWeights } from '../../../helpers/kerasWeights.js';
import { assertSameActivations, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();
const h5 = await import('h5wasm/node');
await h5.ready;

const folder = () => mkdtempSync(join(tmpdir(), 'pastiche-h5-'));

describe('Keras HDF5 weights', () => {
  it(
    "reads save_weights files and whole saved models by tensor name, with the model's own name when it has " + 'one',
    async () => {
      for (const wholeModel of [false, true]) {
        const file = join(folder(), 'weights.h5');
        const original = writeKerasWeights(file, wholeModel);
        const read = await readKerasWeightsFile(file);
        assert.deepEqual(Object.keys(read.tensors).sort(), [
          'block1_conv1/bias',
          'block1_conv1/kernel',
          'block1_conv2/bias',
          'block1_conv2/kernel',
          'block2_conv1/bias',
          'block2_conv1/kernel',
          'block2_conv2/bias',
          'block2_conv2/kernel',
        ]);
        assert.equal(read.modelName, wholeModel ? 'vgg19' : null);
        assert.deepEqual(read.tensors['block2_conv1/kernel'].shape, [3, 3, 64, 128]);
        assert.deepEqual(read.tensors['block2_conv1/kernel'].dataSync(), original.get('conv2_1')!.kernel.dataSync());
        tf.dispose(Object.values(read.tensors));
      }
    },
  );

  it('imports a Keras file into a network that computes the same activations as the original weights', async () => {
    const file = join(folder(), 'vgg19_blocks1-2.h5');
    const original = writeKerasWeights(file);
    const models = folder();
    const info = await importNetwork(file, 'vgg19-keras', models);
    assert.deepEqual([info.architecture, info.layers], ['vgg19', ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2']]);
    const { network } = await loadNetwork('vgg19-keras', models);
    const reference = featureNetwork('reference', VGG19, original);
    assertSameActivations(network, reference, 'conv2_2', 3);
    network.dispose();
  });

  it(
    'refuses a file that is not HDF5, or HDF5 that is not Keras weights, with one line naming it and nothing ' +
      'installed',
    async () => {
      const dir = folder();
      const models = folder();
      const text = join(dir, 'notes.h5');
      writeFileSync(text, 'just text, not HDF5');
      await assert.rejects(readKerasWeightsFile(text), (error: Error) => error.message === `${text}: not an HDF5 file`);
      const other = join(dir, 'table.h5');
      const out = new h5.File(other, 'w');
      out.create_dataset({ name: 'values', data: new Float32Array([1, 2, 3]) });
      out.close();
      await assert.rejects(
        importNetwork(other, 'table', models),
        (error: Error) =>
          error.message === `${other}: not a Keras weights file (its root has no layer_names attribute)`,
      );
      assert.deepEqual(readdirSync(models), []);
    },
  );

  it(
    "refuses a valid signature with garbage after it in one line, printing nothing of HDF5's error " + 'stack',
    async () => {
      const file = join(folder(), 'garbage.h5');
      writeFileSync(
        file,
        Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(4096, 0x41)]),
      );
      assert.deepEqual(readInChildProcess(file), {
        outcome: `${file}: not a readable HDF5 file (corrupt or truncated)`,
        stderr: '',
      });
      // Cut short: the superblock is there, the groups it points to are not.
      const whole = join(folder(), 'whole.h5');
      writeKerasWeights(whole);
      const cut = join(folder(), 'cut.h5');
      writeFileSync(cut, execFileSync('head', ['-c', '3000', whole]));
      assert.deepEqual(readInChildProcess(cut), {
        outcome: `${cut}: not a readable HDF5 file (corrupt or truncated)`,
        stderr: '',
      });
    },
  );

  it(
    'reads only regular files: a pipe, a device or a link to one is refused without blocking, an oversized file ' +
      'before it is read',
    { timeout: 20_000 },
    async () => {
      const dir = folder();
      const pipe = join(dir, 'pipe.h5');
      execFileSync('mkfifo', [pipe]);
      await assert.rejects(
        readKerasWeightsFile(pipe),
        (error: Error) => error.message === `${pipe}: is not a regular file (a device, a pipe or a socket): refused`,
      );
      const device = join(dir, 'zero.h5');
      symlinkSync('/dev/zero', device);
      await assert.rejects(
        readKerasWeightsFile(device),
        (error: Error) => error.message === `${device}: is not a regular file (a device, a pipe or a socket): refused`,
      );
      // Sparse: 3 GB declared, nothing written but the signature.
      const huge = join(dir, 'huge.h5');
      writeFileSync(huge, Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
      truncateSync(huge, 3 * 1024 ** 3);
      await assert.rejects(readKerasWeightsFile(huge), (error: Error) =>
        /^\/.*huge\.h5: holds 3221225472 bytes, more than the \d+ such a file may have$/.test(error.message),
      );
    },
  );

  it("checks each dataset's type and shape against the architecture before reading it", async () => {
    const dir = folder();
    // A resizable dataset declared at 64 million filters (7 GB) whose storage holds almost nothing.
    const huge = join(dir, 'vgg19_huge.h5');
    writeKerasWeights(huge, false, {
      convolutions: 1,
      dataset: (inner, _layer, name) => {
        if (name !== 'kernel:0') return false;
        inner.create_dataset({
          name,
          data: new Float32Array(64),
          shape: [1, 1, 1, 64],
          maxshape: [null, null, null, null],
          chunks: [1, 1, 1, 64],
        });
        (inner.get(name) as Dataset).resize([3, 3, 3, 64_000_000]);
        return true;
      },
    });
    await assert.rejects(
      readKerasWeightsFile(huge),
      (error: Error) =>
        error.message ===
        `${huge}: dataset block1_conv1/block1_conv1/kernel:0 is 3×3×3×64000000, the network needs 3×3×3×64`,
    );
    const doubles = join(dir, 'vgg19_doubles.h5');
    writeKerasWeights(doubles, false, {
      convolutions: 1,
      dataset: (inner, _layer, name, values, shape) => {
        if (name !== 'bias:0') return false;
        inner.create_dataset({ name, data: Float64Array.from(values), shape });
        return true;
      },
    });
    await assert.rejects(
      readKerasWeightsFile(doubles),
      (error: Error) =>
        error.message ===
        `${doubles}: dataset block1_conv1/block1_conv1/bias:0 is not little-endian float32 (dtype "<d")`,
    );
  });

  it('refuses non-finite weights, naming the file and the dataset', async () => {
    const file = join(folder(), 'vgg19_nan.h5');
    writeKerasWeights(file, false, {
      convolutions: 1,
      dataset: (_inner, _layer, name, values) => {
        if (name === 'bias:0') values[5] = Number.POSITIVE_INFINITY;
        return false;
      },
    });
    await assert.rejects(
      readKerasWeightsFile(file),
      (error: Error) =>
        error.message === `${file}: dataset block1_conv1/block1_conv1/bias:0: value 5 is Infinity, not a finite number`,
    );
  });

  it(
    'opens no file but the one named: an external link to a pipe neither blocks nor is followed',
    { timeout: 20_000 },
    async () => {
      const dir = folder();
      // HDF5 would open the link's target with a blocking open(), and wait for a writer forever.
      const elsewhere = join(dir, 'elsewhere.h5');
      execFileSync('mkfifo', [elsewhere]);
      const file = join(dir, 'vgg19_linked.h5');
      writeKerasWeights(file, false, {
        convolutions: 1,
        edit: (root) => {
          const group = root.get('block1_conv1') as Group;
          group.create_external_link(elsewhere, '/block1_conv1/block1_conv1', 'linked');
          group.delete_attribute('weight_names');
          group.create_attribute('weight_names', ['linked/kernel:0', 'linked/bias:0']);
        },
      });
      // HDF5 is refused the open it asks for, and fails as on a damaged file.
      assert.deepEqual(readInChildProcess(file), {
        outcome: `${file}: not a readable HDF5 file (corrupt or truncated)`,
        stderr: '',
      });
    },
  );

  it(
    'gives up in one line on a file whose damaged header HDF5 walks forever, and reads the next file',
    { timeout: 30_000 },
    async () => {
      // Found by the fuzz suite (case 208 of seed 13): a duplicated run of bytes in block1_conv1's group.
      const file = join(folder(), 'vgg19_loop.h5');
      copyFileSync(new URL('fixtures/hdf5-header-loop.h5', import.meta.url.replace('/dist/', '/')), file);
      await assert.rejects(
        readKerasWeightsFile(file, { timeoutMs: 2_000 }),
        (error: Error) =>
          error.message ===
          `${file}: not a readable HDF5 file (corrupt or truncated): HDF5 did not finish reading it within 2 s`,
      );
      const good = join(folder(), 'weights.h5');
      writeKerasWeights(good, false, { convolutions: 1 });
      const read = await readKerasWeightsFile(good);
      assert.deepEqual(Object.keys(read.tensors).sort(), ['block1_conv1/bias', 'block1_conv1/kernel']);
      tf.dispose(Object.values(read.tensors));
    },
  );
});
