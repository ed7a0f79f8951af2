import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALEXNET } from '../../engine/common/networks/alexnet.js';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { MIGRATIONS } from '../../engine/node/store/migrations.js';
import { pasticheIn } from '../helpers/cli.js';
import { randomCheckpoint, writeCheckpoint } from '../helpers/fastStyle.js';
import { onnxModelOf, writeOnnxModel } from '../helpers/onnxModels.js';
import { useTestBackend } from '../helpers/tf.js';
import { writePhotoFolder, writePicture } from '../helpers/trainingPhotos.js';

/** The inputs every trial uses, made once: tiny pictures, a style checkpoint, a small network and its catalogue. */
export interface CrashFixtures {
  readonly folder: string;
  readonly photo: string;
  readonly painting: string;
  readonly photos: string;
  readonly checkpoint: string;
  readonly onnx: string;
  /** A catalogue naming `alexnet`, downloaded from this process's server. */
  readonly catalogue: string;
  /** A store with the style `speckle` and a finished run: each trial starts from a copy. */
  readonly baseHome: string;
  /** A store at schema 1, to be migrated. */
  readonly oldHome: string;
  close(): Promise<void>;
}

export async function crashFixtures(): Promise<CrashFixtures> {
  await useTestBackend();
  const folder = mkdtempSync(join(tmpdir(), 'pastiche-crash-'));
  const photo = await writePicture(join(folder, 'photo.png'), 24, 16, 1);
  const painting = await writePicture(join(folder, 'painting.png'), 16, 16, 2);
  const photos = await writePhotoFolder(join(folder, 'photos'), 2, 32);
  const checkpoint = writeCheckpoint(join(folder, 'checkpoint'), randomCheckpoint(4));
  const onnx = join(folder, 'alexnet.onnx');
  writeOnnxModel(onnx, onnxModelOf(ALEXNET, randomWeights(ALEXNET, 5), 224, []));
  const { server, catalogue } = await catalogueServer(folder, onnx);
  const baseHome = join(folder, 'base-home');
  expectSuccess(pasticheIn(baseHome, 'styles', 'import', checkpoint, '--name', 'speckle'));
  expectSuccess(pasticheIn(baseHome, ...STYLIZE(photo, painting, join(folder, 'base.png'))));
  const oldHome = join(folder, 'old-home');
  oldSchemaStore(oldHome);
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { folder, photo, painting, photos, checkpoint, onnx, catalogue, baseHome, oldHome, close };
}

/** A tiny stylization: alexnet-random at 24 px, a preview each iteration. */
export function STYLIZE(photo: string, painting: string, out: string): string[] {
  return [
    'stylize',
    '--content',
    photo,
    '--style',
    painting,
    '--out',
    out,
    '--size',
    '24',
    '--iterations',
    '8',
    '--network',
    'alexnet-random',
    '--content-layers',
    'conv2',
    '--style-layers',
    'conv1',
    '--preview-every',
    '1',
    '--json',
  ];
}

export function copyHome(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

function expectSuccess(result: { code: number | null; stderr: string }): void {
  if (result.code !== 0) throw new Error(`a fixture's command failed: ${result.stderr}`);
}

async function catalogueServer(folder: string, onnx: string): Promise<{ server: Server; catalogue: string }> {
  const bytes = readFileSync(onnx);
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Length': bytes.length });
    response.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const catalogue = join(folder, 'catalogue.json');
  writeFileSync(
    catalogue,
    JSON.stringify({
      networks: [
        {
          name: 'alexnet',
          architecture: 'alexnet',
          description: 'crash trials',
          license: 'test',
          source: {
            kind: 'download',
            url: `http://127.0.0.1:${port}/alexnet.onnx`,
            file: 'alexnet.onnx',
            bytes: bytes.length,
            format: 'onnx',
            sha256: createHash('sha256').update(bytes).digest('hex'),
          },
        },
      ],
    }),
  );
  return { server, catalogue };
}

function oldSchemaStore(home: string): void {
  mkdirSync(home);
  const db = new Database(join(home, 'pastiche.db'));
  db.exec(MIGRATIONS[0]);
  db.pragma('user_version = 1');
  const insert = db.prepare('INSERT INTO projects (name) VALUES (?)');
  for (let i = 0; i < 200; i++) insert.run(`project ${i}`);
  db.close();
}
