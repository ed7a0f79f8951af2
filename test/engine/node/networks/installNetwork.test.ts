import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import type { CatalogueEntry } from '../../../../engine/node/networks/catalogue.js';
import { installNetwork } from '../../../../engine/node/networks/installNetwork.js';
import { loadNetwork } from '../../../../engine/node/networks/registry.js';
import { writeKerasWeights } from '../../../helpers/kerasWeights.js';
import { onnxModelOf, writeOnnxModel } from '../../../helpers/onnxModels.js';
import { assertSameActivations, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * A download server on 127.0.0.1 that honours Range requests and, when told to, stalls part-way
 * through the body until the test drops the connection, as a flaky network would.
 */
function fileServer(bytes: Buffer) {
  const requests: { range: string | undefined }[] = [];
  const stalled: ServerResponse[] = [];
  let cutAfter: number | null = null;
  const server: Server = createServer((request, response) => {
    requests.push({ range: request.headers.range });
    const from = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    const body = bytes.subarray(from);
    response.writeHead(from > 0 ? 206 : 200, {
      'Content-Length': body.length,
      ...(from > 0 ? { 'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    if (cutAfter === null) return response.end(body);
    response.write(body.subarray(0, cutAfter));
    stalled.push(response);
    cutAfter = null;
  });
  const drop = () => stalled.splice(0).forEach((response) => response.socket?.destroy());
  return { server, requests, stallNextAfter: (n: number) => void (cutAfter = n), drop };
}

describe('installing a catalogue network', () => {
  const sourceFile = join(mkdtempSync(join(tmpdir(), 'pastiche-dl-')), 'vgg19_weights_notop.h5');
  const original = writeKerasWeights(sourceFile);
  const bytes = readFileSync(sourceFile);
  const host = fileServer(bytes);
  let entry: CatalogueEntry;

  before(async () => {
    await new Promise<void>((resolve) => host.server.listen(0, '127.0.0.1', resolve));
    const { port } = host.server.address() as AddressInfo;
    entry = {
      name: 'vgg19',
      architecture: 'vgg19',
      description: 'test',
      license: 'test',
      source: {
        kind: 'download',
        url: `http://127.0.0.1:${port}/vgg19_weights_notop.h5`,
        file: 'vgg19_weights_notop.h5',
        bytes: bytes.length,
        md5: createHash('md5').update(bytes).digest('hex'),
        format: 'keras-h5',
      },
    };
  });
  after(() => new Promise<void>((resolve) => host.server.close(() => resolve())));

  it(
    'resumes an interrupted download where it stopped, verifies it, and installs a network that computes like the ' +
      'original weights',
    async () => {
      const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
      const partial = join(models, '.downloads', 'vgg19_weights_notop.h5.part');
      host.stallNextAfter(40_000);
      // The connection drops once the first 40 kB have arrived.
      const dropOnceArrived = ({ receivedBytes }: { receivedBytes: number }) => receivedBytes >= 40_000 && host.drop();
      await assert.rejects(
        installNetwork(entry, models, { onProgress: dropOnceArrived }),
        /vgg19: download interrupted after 0\.0 MB of \d\.\d MB \(.+\); install again to resume$/,
      );
      const kept = statSync(partial).size;
      assert.equal(kept, 40_000, 'what arrived is kept');
      assert.ok(!existsSync(join(models, 'vgg19')), 'nothing is installed yet');

      const progress: number[] = [];
      const info = await installNetwork(entry, models, {
        onProgress: ({ receivedBytes }) => progress.push(receivedBytes),
      });
      assert.equal(host.requests.at(-1)!.range, `bytes=${kept}-`, 'the second attempt asks only for the rest');
      assert.ok(
        progress[0] > kept && progress.at(-1) === bytes.length,
        'progress counts from what was kept to the whole file',
      );
      assert.deepEqual(
        [info.name, info.architecture, info.layers, info.origin],
        [
          'vgg19',
          'vgg19',
          ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2'],
          entry.source.kind === 'download' ? entry.source.url : '',
        ],
      );
      assert.ok(!existsSync(partial), 'the download is removed once installed');
      const { network } = await loadNetwork('vgg19', models);
      const reference = featureNetwork('reference', VGG19, original);
      assertSameActivations(network, reference, 'conv2_1', 9);
      network.dispose();
      await assert.rejects(installNetwork(entry, models), /vgg19: already installed/);
    },
  );

  it('deletes a download whose checksum does not match, and installs nothing', async () => {
    const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
    const wrong = { ...entry, source: { ...entry.source, md5: '0'.repeat(32) } } as CatalogueEntry;
    await assert.rejects(
      installNetwork(wrong, models),
      /vgg19_weights_notop\.h5: the download is corrupt \(MD5 [0-9a-f]{32} instead of 0{32}\) and was deleted/,
    );
    assert.deepEqual(readdirSync(join(models, '.downloads')), []);
    assert.deepEqual(readdirSync(models), ['.downloads']);
  });

  it('stops reading a server that sends more than the catalogue states, and keeps nothing', async () => {
    const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
    const short = { ...entry, source: { ...entry.source, bytes: bytes.length - 1000 } } as CatalogueEntry;
    const more =
      `vgg19: the server sent more than the catalogue's ${bytes.length - 1000} bytes of ` + `vgg19_weights_notop.h5`;
    await assert.rejects(installNetwork(short, models), (error: Error) => error.message.startsWith(more));
    assert.deepEqual(readdirSync(join(models, '.downloads')), []);
    assert.deepEqual(readdirSync(models), ['.downloads']);
  });

  it('fails fast offline with a message saying how to import the file instead', async () => {
    const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = {
      ...entry,
      source: { ...entry.source, url: `http://127.0.0.1:${port}/vgg19_weights_notop.h5` },
    } as CatalogueEntry;
    await assert.rejects(installNetwork(offline, models), (error: Error) => {
      assert.equal(
        error.message,
        `vgg19: cannot reach 127.0.0.1:${port} (ECONNREFUSED). Offline? Download ` +
          `http://127.0.0.1:${port}/vgg19_weights_notop.h5 elsewhere and run 'pastiche models import ` +
          `vgg19_weights_notop.h5 --name vgg19'`,
      );
      return true;
    });
    assert.ok(!existsSync(join(models, 'vgg19')));
  });
});

describe('installing a catalogue network published as ONNX', () => {
  it("checks the file's SHA-256, as the model zoo states it, and converts it", async () => {
    const weights = randomWeights(ALEXNET, 5);
    const sourceFile = join(mkdtempSync(join(tmpdir(), 'pastiche-dl-')), 'bvlcalexnet-12.onnx');
    writeOnnxModel(sourceFile, onnxModelOf(ALEXNET, weights, 224, []));
    const bytes = readFileSync(sourceFile);
    const host = fileServer(bytes);
    await new Promise<void>((resolve) => host.server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = host.server.address() as AddressInfo;
      const source = {
        kind: 'download',
        url: `http://127.0.0.1:${port}/bvlcalexnet-12.onnx`,
        file: 'bvlcalexnet-12.onnx',
        bytes: bytes.length,
        format: 'onnx',
      } as const;
      const entry: CatalogueEntry = {
        name: 'alexnet',
        architecture: 'alexnet',
        description: 'test',
        license: 'test',
        source: { ...source, sha256: '0'.repeat(64) },
      };
      const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
      await assert.rejects(
        installNetwork(entry, models),
        /bvlcalexnet-12\.onnx: the download is corrupt \(SHA-256 [0-9a-f]{64} instead of 0{64}\) and was deleted/,
      );
      const info = await installNetwork(
        { ...entry, source: { ...source, sha256: createHash('sha256').update(bytes).digest('hex') } },
        models,
      );
      assert.deepEqual([info.architecture, info.layers], ['alexnet', ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']]);
      const { network } = await loadNetwork('alexnet', models);
      assertSameActivations(network, featureNetwork('reference', ALEXNET, weights), 'pool5', 2, 67);
      network.dispose();
    } finally {
      await new Promise<void>((resolve) => host.server.close(() => resolve()));
    }
  });
});
