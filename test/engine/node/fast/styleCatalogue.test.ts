import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { transformerVariables } from '../../../../engine/common/fast/transformerNetwork.js';
import {
  catalogueStyles,
  requireStyleCatalogueEntry,
  styleCatalogue,
} from '../../../../engine/node/fast/styleCatalogue.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';

const SHARED_STYLES = ['la_muse', 'rain_princess', 'scream', 'udnie', 'wave'];

afterEach(() => delete process.env.PASTICHE_STYLE_CATALOGUE);

describe('the style catalogue (resources/styles/catalogue.json)', () => {
  it(
    "lists ml5's published checkpoints, each file at its raw GitHub URL, sized as the style network's variables " +
      'are',
    () => {
      const styles = styleCatalogue();
      assert.deepEqual(
        styles.map((s) => s.name),
        ['la_muse', 'mathura', 'matilde_perez', 'matta', 'rain_princess', 'scream', 'udnie', 'wave', 'wreck'],
      );
      // manifest.json, then Variable, Variable_1 … Variable_47: a kernel, shift and scale per convolution, float32.
      const variables = transformerVariables().map(({ shape }, i) => [
        i === 0 ? 'Variable' : `Variable_${i}`,
        4 * shape.reduce((a, b) => a * b, 1),
      ]);
      for (const style of styles) {
        assert.match(
          style.baseUrl,
          new RegExp(
            `^https://raw\\.githubusercontent\\.com/ml5js/ml5-data-and-models/[0-9a-f]{40}/` +
              `models/style-transfer/${style.name}/$`,
          ),
        );
        assert.equal(style.files[0].name, 'manifest.json');
        assert.deepEqual(
          style.files.slice(1).map((f) => [f.name, f.bytes]),
          variables,
          style.name,
        );
        assert.match(style.license, /^MIT/);
      }
    },
  );

  it(
    "holds exactly the bytes of the five styles in ../shared: every file's size and SHA-256",
    { skip: sharedSkipReason(...SHARED_STYLES.map((s) => `models/fast-style/${s}`)) },
    () => {
      for (const name of SHARED_STYLES) {
        const folder = join(SHARED, 'models', 'fast-style', name);
        const onDisk = readdirSync(folder)
          .sort()
          .map((file) => {
            const bytes = readFileSync(join(folder, file));
            return { name: file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
          });
        const listed = [...requireStyleCatalogueEntry(name).files].sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(
          listed,
          onDisk.sort((a, b) => a.name.localeCompare(b.name)),
          name,
        );
      }
    },
  );

  it('says which styles the library holds', () => {
    const styles = catalogueStyles(mkdtempSync(join(tmpdir(), 'pastiche-styles-')));
    assert.ok(styles.every((s) => s.status === 'not-installed' && s.downloadBytes === 6_715_241));
    assert.deepEqual(
      styles.find((s) => s.name === 'wave'),
      {
        name: 'wave',
        painting: 'The Great Wave off Kanagawa',
        artist: 'Katsushika Hokusai',
        description: styles.find((s) => s.name === 'wave')!.description,
        license: 'MIT (ml5-data-and-models)',
        downloadBytes: 6_715_241,
        status: 'not-installed',
      },
    );
    assert.throws(
      () => requireStyleCatalogueEntry('starry'),
      /^PasticheError: starry: not in the style catalogue \(its styles: la_muse, mathura, .+, wreck\)$/,
    );
  });

  it(
    "refuses a catalogue whose file names leave the style's folder, or whose URLs are not http(s) folders, in one " +
      'line naming the file',
    () => {
      const folder = mkdtempSync(join(tmpdir(), 'pastiche-catalogue-'));
      const file = { name: 'manifest.json', bytes: 10, sha256: 'a'.repeat(64) };
      const entry = { name: 'evil', description: '', license: '', baseUrl: 'https://example.org/evil/', files: [file] };
      const cases: [unknown, RegExp][] = [
        [
          { ...entry, files: [file, { ...file, name: '../../model.json' }] },
          /styles\[0\]\.files\[1\]\.name: expected a plain file name$/,
        ],
        [{ ...entry, baseUrl: 'file:///etc/' }, /styles\[0\]\.baseUrl: /],
        [
          { ...entry, baseUrl: 'https://example.org/evil' },
          /styles\[0\]\.baseUrl: expected a folder URL ending with \/$/,
        ],
        [{ ...entry, name: '../styles' }, /styles\[0\]\.name: expected a style name/],
        [{ ...entry, files: [{ ...file, sha256: 'abc' }] }, /styles\[0\]\.files\[0\]\.sha256: /],
        [
          { ...entry, files: [{ ...file, name: 'Variable' }] },
          /styles\[0\]\.files: expected a manifest\.json among the files$/,
        ],
      ];
      for (const [index, [style, expected]] of cases.entries()) {
        const path = join(folder, `catalogue-${index}.json`);
        writeFileSync(path, JSON.stringify({ styles: [style] }));
        process.env.PASTICHE_STYLE_CATALOGUE = path;
        assert.throws(
          () => styleCatalogue(),
          (error: Error) => {
            assert.match(error.message, expected);
            assert.ok(error.message.startsWith(`${path}: `) && !error.message.includes('\n'), error.message);
            return true;
          },
        );
      }
    },
  );
});
