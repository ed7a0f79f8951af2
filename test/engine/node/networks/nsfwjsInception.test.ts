import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { imageToTensor } from '../../../../engine/common/imageTensor.js';
import { INCEPTION_V3 } from '../../../../engine/common/networks/inception3.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { readImage } from '../../../../engine/node/image/imageIO.js';
import { PasticheError } from '../../../../engine/common/errors.js';
import { disposeWeights } from '../../../../engine/common/networks/weights.js';
import { readPackageFiles } from '../../../../engine/node/networks/npmPackage.js';
import { readBundledKerasNetwork } from '../../../../engine/node/networks/nsfwjsInception.js';
import { readSavedNetworkInfo } from '../../../../engine/node/networks/savedNetwork.js';
import { cliSandbox } from '../../../helpers/cli.js';
import { fileLookup, inceptionFiles, inceptionSource, referenceInception } from '../../../helpers/nsfwjs.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { useTestBackend } from '../../../helpers/tf.js';

const PHOTO = 'images/content/tubingen.jpg';
const COMPARED = ['activation_3', 'mixed0', 'mixed3', 'mixed5'];

describe("nsfwjs's Inception-v3 read as data", () => {
  it(
    "computes the frozen layers' activations of TensorFlow.js's own loadLayersModel on a real photo",
    { skip: sharedSkipReason(PHOTO) },
    async () => {
      await useTestBackend();
      const weights = readBundledKerasNetwork(fileLookup(await inceptionFiles()), INCEPTION_V3);
      // Keras's layers see the image unpadded; the reflected frame is the engine's own addition (tested on its own).
      const network = featureNetwork('inception3-imagenet', { ...INCEPTION_V3, inputPadding: undefined }, weights);
      const reference = await referenceInception();
      const probe = tf.model({
        inputs: reference.inputs,
        outputs: COMPARED.map((name) => reference.getLayer(name).output as tf.SymbolicTensor),
      });
      // The reference's model declares 299×299 inputs (its classifier flattens): the photo is stretched to it.
      const photo = imageToTensor(await readImage(join(SHARED, PHOTO), { longSide: 299 }));
      const rgb = tf.image.resizeBilinear(photo, [299, 299]);
      photo.dispose();
      const ours = network.activations(network.preprocess(rgb), COMPARED, 'max');
      const theirs = tf.tidy(() => probe.predict(tf.sub(tf.div(tf.expandDims(rgb), 127.5), 1)) as tf.Tensor4D[]);
      for (const [i, layer] of COMPARED.entries()) {
        const [a, b] = [ours.get(layer)!, theirs[i]];
        assert.deepEqual(a.shape, b.shape, layer);
        const [maxDifference, maxValue] = tf.tidy(() =>
          [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))].map((t) => t.dataSync()[0]),
        );
        console.log(
          `# ${layer}: max |Δ| ${maxDifference.toExponential(2)}, max |activation| ${maxValue.toFixed(2)}, relative ` +
            `${(maxDifference / maxValue).toExponential(2)}`,
        );
        // Float32 sums in another order (the folded batch norm, the folded x/127.5 − 1): measured 1–2·10⁻⁶ of the
        // layer's range.
        assert.ok(
          maxDifference <= 1e-5 * maxValue,
          `${layer}: max |Δ| ${maxDifference} against max |activation| ${maxValue}`,
        );
      }
      tf.dispose([rgb, ...ours.values(), ...theirs]);
      reference.dispose();
      network.dispose();
    },
  );
});

describe("nsfwjs's files refused when they are not what the catalogue lists", () => {
  const files = inceptionFiles();
  /** Reads the package with one file's text changed by `edit`; the error's message, or null if it was accepted. */
  async function readWith(name: string, edit: (text: string) => string): Promise<string> {
    const original = await files;
    const changed = new Map(original);
    const file = original.get(name)!;
    changed.set(name, { ...file, bytes: Buffer.from(edit(Buffer.from(file.bytes).toString('utf8'))) });
    try {
      disposeWeights(readBundledKerasNetwork(fileLookup(changed), INCEPTION_V3));
      return 'accepted';
    } catch (error) {
      assert.ok(error instanceof PasticheError, String(error));
      assert.ok(!error.message.includes('\n'), error.message);
      return error.message;
    }
  }
  const SHARD = 'group1-shard1of6.min.js';

  it('refuses a shard whose export is a function call, naming the file', async () => {
    const message = await readWith(SHARD, (text) =>
      text.replace(/\.exports="/, '.exports=atob("').replace(/"\},\{\}\]\}/, '")},{}]}'),
    );
    assert.match(message, /group1-shard1of6\.min\.js: a CallExpression at offset \d+: only literals are read/);
  });

  it('refuses a non-literal in the topology (a name standing for a value)', async () => {
    const message = await readWith('model.min.js', (text) =>
      text.replace('keras_version:"2.2.4"', 'keras_version:process'),
    );
    assert.match(message, /model\.min\.js: a Identifier at offset \d+/);
  });

  it('refuses truncated base64', async () => {
    const message = await readWith(SHARD, (text) =>
      text.replace(/==?"\},\{\}\]\}/, '"},{}]}').replace(/([A-Za-z0-9+/]{3})"\},\{\}\]\}/, '"},{}]}'),
    );
    assert.match(message, /group1-shard1of6\.min\.js: its weights are not well-formed base64/);
  });

  it('refuses a weight that lies beyond the shards’ bytes', async () => {
    const message = await readWith('model.min.js', (text) =>
      text.replace('{name:"dense_3/bias",shape:[5]', '{name:"dense_3/bias",shape:[500]'),
    );
    assert.match(message, /model\.min\.js: weightsManifest\[0\]: its shards hold 22360869 bytes, its weights 22361364/);
  });

  it('refuses a topology whose layer differs from the architecture', async () => {
    const message = await readWith('model.min.js', (text) =>
      text.replace(/(name:"conv2d_3",class_name:"Conv2D",config:\{[^}]*?)kernel_size:\[3,3\]/, '$1kernel_size:[5,5]'),
    );
    assert.match(message, /model\.min\.js: layer 'conv2d_3' is not activation_3: 64 filters 3×3/);
  });

  it('refuses a file whose digest is not the catalogue’s, before reading it', async () => {
    const source = inceptionSource();
    const wrong = { ...source, files: source.files.map((f, i) => (i === 0 ? { ...f, sha256: '0'.repeat(64) } : f)) };
    await assert.rejects(
      readPackageFiles(wrong, 'inception3-imagenet'),
      (e: unknown) =>
        e instanceof PasticheError &&
        /model\.min\.js: is not the file the catalogue lists \(SHA-256 8c2b793b\w+ instead of 0{64}\)/.test(e.message),
    );
  });
});

describe('pastiche models install inception3-imagenet', () => {
  it('converts the package’s frozen layers into the data folder, recording the files’ digests', () => {
    const { home, pastiche } = cliSandbox();
    const installed = pastiche('models', 'install', 'inception3-imagenet');
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(installed.stdout, /Installed inception3-imagenet: inception3, 50 convolutions/);
    const info = readSavedNetworkInfo(join(home, 'models', 'inception3-imagenet'));
    assert.equal(info?.layers.length, 50);
    assert.match(
      info?.origin ?? '',
      /^npm package nsfwjs 4\.4\.0, dist\/models\/inception_v3 \(model\.min\.js sha256 8c2b793b/,
    );
    const listed = JSON.parse(pastiche('models', '--json').stdout) as {
      name: string;
      status: string;
      description: string;
    }[];
    const entry = listed.find((n) => n.name === 'inception3-imagenet');
    assert.equal(entry?.status, 'installed');
    assert.match(entry?.description ?? '', /nsfwjs 4\.4\.0.*8-bit quantized/);
    const again = pastiche('models', 'install', 'inception3-imagenet');
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /inception3-imagenet: already installed/);
  });
});
