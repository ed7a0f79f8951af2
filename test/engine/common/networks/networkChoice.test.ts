import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseNetwork,
  fallbackAdvice,
  pretrainedInstalled,
  pretrainedOffer,
} from '../../../../engine/common/networks/networkChoice.js';
import type { NetworkSummary } from '../../../../engine/common/networks/networkSummary.js';

/** A network as `networks.list` shows it: `rank` its place in the catalogue's quality order. */
function network(name: string, status: NetworkSummary['status'], extra: Partial<NetworkSummary> = {}): NetworkSummary {
  return {
    name,
    architecture: name.split('-')[0],
    status,
    description: '',
    license: '',
    location: null,
    weightsSha256: null,
    ...extra,
  };
}

// The product's order, best first; the list itself comes in catalogue order, not by rank.
const random = network('vgg19-random', 'embedded', { rank: 3 });
const vgg19 = (status: NetworkSummary['status']) => network('vgg19', status, { rank: 0, downloadBytes: 80_134_624 });
const vgg16 = (status: NetworkSummary['status']) => network('vgg16', status, { rank: 1, downloadBytes: 58_889_256 });
const inception = (status: NetworkSummary['status']) =>
  network('inception3-imagenet', status, { rank: 2, architecture: 'inception3' });
const alexnetRandom = network('alexnet-random', 'embedded');

describe('the network a run takes when none is chosen', () => {
  it('takes the best of the quality order installed, whatever the order of the list', () => {
    const networks = [random, inception('installed'), vgg16('installed'), vgg19('not-installed')];
    assert.deepEqual(chooseNetwork(networks), { name: 'vgg16', architecture: 'vgg16', pretrained: true });
    assert.deepEqual(chooseNetwork([random, vgg19('installed'), vgg16('installed')]), {
      name: 'vgg19',
      architecture: 'vgg19',
      pretrained: true,
    });
    assert.deepEqual(
      chooseNetwork([random, inception('installed'), vgg19('not-installed')]).name,
      'inception3-imagenet',
    );
  });

  it('falls back to the generated network when no pretrained one is installed', () => {
    assert.deepEqual(chooseNetwork([vgg19('not-installed'), vgg16('not-installed'), random]), {
      name: 'vgg19-random',
      architecture: 'vgg19',
      pretrained: false,
    });
  });

  it('never takes a network outside the quality order, installed or generated', () => {
    const imported = network('vgg19-blocks1-3', 'installed');
    assert.equal(chooseNetwork([alexnetRandom, imported, vgg19('not-installed'), random]).name, 'vgg19-random');
    assert.equal(pretrainedInstalled([imported, vgg19('not-installed'), random]), false);
  });

  it('refuses in one line when nothing of the quality order can paint', () => {
    assert.throws(
      () => chooseNetwork([vgg19('not-installed'), alexnetRandom]),
      /^PasticheError: network: none of the catalogue's preferred networks is installed or generated/,
    );
    assert.throws(() => chooseNetwork([]), /none of the catalogue's preferred networks/);
  });

  it('knows whether a pretrained network of the order is installed', () => {
    assert.equal(pretrainedInstalled([vgg19('not-installed'), random]), false);
    assert.equal(pretrainedInstalled([vgg19('not-installed'), vgg16('installed'), random]), true);
  });

  it('offers the best local network and the best download not yet installed', () => {
    assert.deepEqual(
      names(pretrainedOffer([random, inception('not-installed'), vgg16('not-installed'), vgg19('not-installed')])),
      { local: 'inception3-imagenet', download: 'vgg19' },
    );
    assert.deepEqual(names(pretrainedOffer([random, vgg16('not-installed'), vgg19('installed')])), {
      local: null,
      download: 'vgg16',
    });
    assert.deepEqual(names(pretrainedOffer([random, inception('installed'), vgg19('not-installed')])), {
      local: null,
      download: 'vgg19',
    });
    assert.deepEqual(names(pretrainedOffer([random, inception('not-installed')])), {
      local: 'inception3-imagenet',
      download: null,
    });
    assert.deepEqual(names(pretrainedOffer([random])), { local: null, download: null });
  });

  it('advises once what to install when it falls back, and says nothing when pretrained', () => {
    const none = [random, inception('not-installed'), vgg16('not-installed'), vgg19('not-installed')];
    assert.equal(
      fallbackAdvice(chooseNetwork(none), none),
      'pastiche: no pretrained network installed; painting with vgg19-random (random weights, weaker). For better ' +
        "pictures: 'pastiche models install inception3-imagenet' (no download) or 'pastiche models install vgg19' " +
        '(80 MB).',
    );
    const downloadsOnly = [random, vgg16('not-installed'), vgg19('not-installed')];
    assert.equal(
      fallbackAdvice(chooseNetwork(downloadsOnly), downloadsOnly),
      'pastiche: no pretrained network installed; painting with vgg19-random (random weights, weaker). For better ' +
        "pictures: 'pastiche models install vgg19' (80 MB).",
    );
    assert.match(
      fallbackAdvice(chooseNetwork([random]), [random])!,
      /weaker\)\. For better pictures, install a pretrained network \(see 'pastiche models'\)\.$/,
    );
    const installed = [random, vgg19('installed')];
    assert.equal(fallbackAdvice(chooseNetwork(installed), installed), null);
  });
});

function names({ local, download }: ReturnType<typeof pretrainedOffer>) {
  return { local: local?.name ?? null, download: download?.name ?? null };
}
