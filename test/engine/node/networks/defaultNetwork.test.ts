import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { weightsForNetwork } from '../../../../engine/common/stylize/presets.js';
import { parseCatalogue, type Catalogue } from '../../../../engine/node/networks/catalogue.js';
import { defaultNetwork, givenOrDefaultNetwork } from '../../../../engine/node/networks/defaultNetwork.js';
import { importNetwork } from '../../../../engine/node/networks/registry.js';
import { productRoot } from '../../../../engine/node/resources.js';
import { openStudio } from '../../../../engine/node/studio/studio.js';
import { writeVggBlock1 } from '../../../helpers/layersModels.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const productFile = join(productRoot(), 'resources', 'models', 'catalogue.json');
const product = JSON.parse(readFileSync(productFile, 'utf8')) as Catalogue;

// The product's networks in a test order whose generated network of another family (AlexNet, its
// layers named conv1…conv5) comes before vgg19-random: what a pick's own layers and weights are is then visible.
const files = mkdtempSync(join(tmpdir(), 'pastiche-default-network-'));
process.env.PASTICHE_CATALOGUE = join(files, 'catalogue.json');
writeFileSync(
  process.env.PASTICHE_CATALOGUE,
  JSON.stringify({ networks: product.networks, preference: ['vgg19', 'vgg16', 'alexnet-random', 'vgg19-random'] }),
);

describe("the catalogue's quality order", () => {
  it('is in the product catalogue: VGG-19 first, ending with a generated network', () => {
    const { networks, preference } = parseCatalogue(product, productFile);
    assert.equal(preference[0], 'vgg19');
    const last = networks.find((entry) => entry.name === preference.at(-1));
    assert.equal(last?.source.kind, 'random', 'something always paints');
  });

  it('refuses an order naming a network the catalogue lacks, or one twice, in one line naming the file', () => {
    const refusal = (preference: unknown) => () =>
      parseCatalogue({ networks: product.networks, preference }, 'mirror.json');
    assert.throws(
      refusal(['vgg19', 'vgg91']),
      /^PasticheError: mirror\.json: preference: names 'vgg91', which is not in the catalogue's networks$/,
    );
    assert.throws(
      refusal(['vgg19', 'vgg16', 'vgg19']),
      /^PasticheError: mirror\.json: preference: names 'vgg19' twice$/,
    );
    assert.throws(refusal('vgg19'), /^PasticheError: mirror\.json: preference: /);
    assert.throws(refusal([7]), /^PasticheError: mirror\.json: preference\[0\]: /);
  });

  it("may be left out of a catalogue of one's own: then nothing is picked by itself", () => {
    assert.deepEqual(parseCatalogue({ networks: product.networks }, 'mirror.json').preference, []);
  });
});

describe('the network a run takes when none is chosen', () => {
  const home = mkdtempSync(join(tmpdir(), 'pastiche-default-network-home-'));
  const models = join(home, 'models');

  it('is the first generated network of the order while nothing is installed, with advice', () => {
    const choice = defaultNetwork(models);
    assert.deepEqual(
      { ...choice, advice: null },
      { name: 'alexnet-random', architecture: 'alexnet', pretrained: false, advice: null },
    );
    assert.equal(
      choice.advice,
      'pastiche: no pretrained network installed; painting with alexnet-random (random weights, weaker). For better ' +
        "pictures: 'pastiche models install vgg19' (80 MB).",
    );
    assert.deepEqual(givenOrDefaultNetwork(undefined, models), { network: 'alexnet-random', advice: choice.advice });
    assert.deepEqual(
      givenOrDefaultNetwork('vgg16-random', models),
      { network: 'vgg16-random', advice: null },
      'a network given is taken, without advice',
    );
  });

  it("is recorded by the studio's queued runs that leave it out, at its own layers and weights", async () => {
    const studio = await openStudio({ home, backend: 'wasm', version: 'test' });
    try {
      const h = studio.handlers;
      const bytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#e93' } })
        .png()
        .toBuffer();
      const image = await h['images.add']({ name: 'waves.png', bytes });
      // Iterations 0: recorded, checked against the network, nothing to compute.
      const { runId } = await h['runs.queue']({
        project: 'pick',
        contentImageId: image.id,
        styleImageIds: [image.id],
        settings: { size: 32, iterations: 0 },
      });
      const { run } = await h['runs.get']({ runId });
      assert.equal(run.kind, 'stylize');
      if (run.kind !== 'stylize') return;
      assert.equal(run.settings.network, 'alexnet-random');
      assert.deepEqual(run.settings.contentLayers, ALEXNET.defaultLayers.content);
      assert.deepEqual(
        run.settings.styleLayers.map((l) => l.layer),
        ALEXNET.defaultLayers.style,
      );
      assert.deepEqual(
        [run.settings.contentWeight, run.settings.styleWeight],
        Object.values(weightsForNetwork(ALEXNET)),
      );
      // What the request states is kept; only the network and what it left out are filled in.
      const stated = await h['runs.queue']({
        project: 'pick',
        contentImageId: image.id,
        styleImageIds: [image.id],
        settings: { size: 32, iterations: 0, contentLayers: ['conv2'], styleWeight: 7 },
      });
      const { run: kept } = await h['runs.get']({ runId: stated.runId });
      assert.ok(kept.kind === 'stylize');
      assert.deepEqual(
        [kept.settings.network, kept.settings.contentLayers, kept.settings.styleWeight],
        ['alexnet-random', ['conv2'], 7],
      );
      const generated = await h['runs.generate']({
        project: 'pick',
        settings: { width: 32, height: 32, iterations: 0, generator: { kind: 'sparse' } },
      });
      const { run: generation } = await h['runs.get']({ runId: generated.runId });
      assert.ok(generation.kind === 'generate');
      assert.equal(generation.settings.network, 'alexnet-random');
      assert.deepEqual(
        generation.settings.styleLayers.map((l) => l.layer),
        ALEXNET.defaultLayers.style,
      );
    } finally {
      await studio.close();
    }
  });

  it('is the best pretrained network installed, by the order, without advice', async () => {
    mkdirSync(join(files, 'block1'));
    const block1 = await writeVggBlock1(join(files, 'block1'));
    await importNetwork(block1, 'vgg16', models, 'vgg16');
    assert.deepEqual(defaultNetwork(models), { name: 'vgg16', architecture: 'vgg16', pretrained: true, advice: null });
    await importNetwork(block1, 'vgg19', models);
    assert.deepEqual(defaultNetwork(models), { name: 'vgg19', architecture: 'vgg19', pretrained: true, advice: null });
    // An imported network outside the order is never picked by itself.
    await importNetwork(block1, 'my-vgg', models);
    assert.equal(defaultNetwork(models).name, 'vgg19');
  });

  it("is recorded by the studio's queued run, which then computes with it", async () => {
    const studio = await openStudio({ home, backend: 'wasm', version: 'test' });
    try {
      const h = studio.handlers;
      const bytes = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#39e' } })
        .png()
        .toBuffer();
      const image = await h['images.add']({ name: 'sea.png', bytes });
      // The runs queued above, left waiting when that studio closed, are taken up first.
      const ended = new Set<number>();
      let heard = () => undefined as void;
      studio.subscribe((event) => {
        if (event.type === 'run.status' && ['done', 'failed', 'cancelled'].includes(event.status))
          ended.add(event.runId);
        heard();
      });
      const { runId } = await h['runs.queue']({
        project: 'pick',
        contentImageId: image.id,
        styleImageIds: [image.id],
        settings: {
          size: 16,
          iterations: 1,
          contentLayers: ['conv1_2'],
          styleLayers: [{ layer: 'conv1_1', weight: 1 }],
        },
      });
      while (!ended.has(runId)) await new Promise<void>((resolve) => (heard = resolve));
      const { run } = await h['runs.get']({ runId });
      assert.equal(run.status, 'done', run.error ?? '');
      assert.ok(run.kind === 'stylize');
      assert.equal(run.settings.network, 'vgg19');
      assert.deepEqual(run.settings.styleLayers, [{ layer: 'conv1_1', weight: 1 }]);
      const vgg19 = (await h['networks.list'](undefined)).find((network) => network.name === 'vgg19')!;
      assert.equal(run.weightsSha256, vgg19.weightsSha256, 'the run names the weights of the network it picked');
      assert.deepEqual([run.settings.contentWeight, run.settings.styleWeight], Object.values(weightsForNetwork(VGG19)));
    } finally {
      await studio.close();
    }
  });
});
