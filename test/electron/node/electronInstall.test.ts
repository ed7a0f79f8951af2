import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { productRoot } from '../../../engine/node/resources.js';
import {
  BINARY_MISSING,
  downloadElectronBinary,
  findElectron,
  sqliteBindingFor,
} from '../../../electron/node/electronInstall.js';

/** A product folder with the electron package as npm leaves it: with or without its downloaded binary. */
function productWithElectron(state: 'absent' | 'package only' | 'installed'): string {
  const root = mkdtempSync(join(tmpdir(), 'pastiche-electron-'));
  writeFileSync(join(root, 'package.json'), '{"name":"pastiche-like","private":true}');
  if (state === 'absent') return root;
  // As `npm install` leaves Electron 45: the package and its types, no install script, no binary.
  const electron = join(root, 'node_modules', 'electron');
  mkdirSync(electron, { recursive: true });
  writeFileSync(join(electron, 'package.json'), '{"name":"electron","version":"45.4.1","main":"index.js"}');
  writeFileSync(join(electron, 'electron.d.ts'), '');
  if (state === 'installed') {
    mkdirSync(join(electron, 'dist'));
    writeFileSync(join(electron, 'path.txt'), 'electron');
    writeFileSync(join(electron, 'dist', 'electron'), '');
  }
  return root;
}

describe('finding Electron for `npm start`', () => {
  it('says why there is no desktop studio when the optional package or its binary is missing', () => {
    assert.deepEqual(findElectron(productWithElectron('absent')), {
      missing: 'the electron package is not installed (`npm install` installs it)',
    });
    assert.deepEqual(findElectron(productWithElectron('package only')), { missing: BINARY_MISSING });
  });

  it('finds the executable and version npm installed', () => {
    const root = productWithElectron('installed');
    assert.deepEqual(findElectron(root), {
      path: join(root, 'node_modules', 'electron', 'dist', 'electron'),
      version: '45.4.1',
    });
  });

  it(
    'keeps the installed database module when it loads under ' +
      'the runtime (Node standing in for Electron run as Node)',
    async () => {
      assert.equal(
        await sqliteBindingFor({ path: process.execPath, version: process.versions.node }, productRoot()),
        null,
      );
    },
  );
});

/** The package with a stand-in for its `install-electron` script: one that installs a binary, or fails. */
function productWithInstaller(installs: boolean): string {
  const root = productWithElectron('package only');
  const electron = join(root, 'node_modules', 'electron');
  const script = installs
    ? "const fs = require('fs'); fs.mkdirSync(__dirname + '/dist'); " +
      "fs.writeFileSync(__dirname + '/dist/electron', ''); fs.writeFileSync(__dirname + '/path.txt', 'electron');"
    : "console.error('getaddrinfo ENOTFOUND github.com'); process.exit(3);";
  writeFileSync(join(electron, 'install.js'), script);
  return root;
}

describe("`npm start`'s first download of Electron's binary", () => {
  it("runs the package's own installer, after which the executable is found", () => {
    const root = productWithInstaller(true);
    assert.deepEqual(findElectron(root), { missing: BINARY_MISSING });
    assert.equal(downloadElectronBinary(root), null);
    assert.deepEqual(findElectron(root), {
      path: join(root, 'node_modules', 'electron', 'dist', 'electron'),
      version: '45.4.1',
    });
  });

  it('reports a failed download (offline) in one line, leaving no binary behind', () => {
    const root = productWithInstaller(false);
    assert.equal(downloadElectronBinary(root), "downloading Electron's binary failed (its installer exited with 3)");
    assert.deepEqual(findElectron(root), { missing: BINARY_MISSING });
  });

  it('says the package is missing rather than trying to download without it', () => {
    assert.equal(
      downloadElectronBinary(productWithElectron('absent')),
      'the electron package is not installed (`npm install` installs it)',
    );
  });
});
