import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { productRoot } from '../../../engine/node/resources.js';
import {
  flipReleaseFuses,
  packedAppOf,
  RELEASE_FUSES,
  type AfterPackContext,
} from '../../../electron/node/electronFuses.js';

/**
 * What precedes the wire in Electron's binary; then a version byte, a length byte and one byte per fuse ('0', '1',
 * 'r').
 */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_WIRE_VERSION = 1;
const [OFF, ON] = [0x30, 0x31];
const packager = { appInfo: { productFilename: 'Pastiche' }, executableName: 'pastiche' };

/** A packed Linux app whose executable is `binary`; returns the hook's context and the executable's path. */
function packedApp(binary: Buffer): { context: AfterPackContext; executable: string } {
  const appOutDir = mkdtempSync(join(tmpdir(), 'pastiche-packed-'));
  writeFileSync(join(appOutDir, 'pastiche'), binary);
  return { context: { appOutDir, electronPlatformName: 'linux', packager }, executable: join(appOutDir, 'pastiche') };
}

/** A stand-in for Electron's binary: junk around a fuse wire (or several) holding `states`. */
function fakeBinary(wires: ReadonlyArray<readonly number[]>, version = FUSE_WIRE_VERSION): Buffer {
  const junk = Buffer.from('\x7fELF…some code…');
  const parts = wires.flatMap((states) => [
    junk,
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([version, states.length, ...states]),
  ]);
  return Buffer.concat([...parts, junk]);
}

/** The fuse states on each wire of `binary`, as letters: 0 off, 1 on, r removed. */
function wireStates(binary: Buffer): string[] {
  const wires: string[] = [];
  for (let at = binary.indexOf(FUSE_SENTINEL); at >= 0; at = binary.indexOf(FUSE_SENTINEL, at + 1)) {
    const header = at + FUSE_SENTINEL.length;
    wires.push(binary.subarray(header + 2, header + 2 + binary[header + 1]).toString('latin1'));
  }
  return wires;
}

/**
 * Electron 45's wire as shipped: every fuse at Electron's default (RunAsNode, NODE_OPTIONS, inspect on), and a ninth.
 */
const SHIPPED = [ON, OFF, ON, ON, OFF, OFF, OFF, ON, ON];
/**
 * The eight fuses in a release build: runAsNode 0, cookies 1, NODE_OPTIONS 0, inspect 0, integrity 1, asar only 1, v8
 * 0, file 0.
 */
const RELEASED = '01001100';

describe("Electron's fuses in a release build", () => {
  it('turns off running as Node, NODE_OPTIONS and --inspect, and loads only app.asar, checked against its hash', () => {
    assert.deepEqual(RELEASE_FUSES, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it(
    "is what build/electron-builder.yml's afterPack hook " +
      'writes into the packed app, leaving fuses it does not know',
    async () => {
      const config = readFileSync(join(productRoot(), 'build', 'electron-builder.yml'), 'utf8');
      const hook = /^afterPack:\s*(\S+)\s*$/m.exec(config)?.[1];
      assert.ok(hook, 'electron-builder.yml names an afterPack hook');
      type Hook = { afterPack(context: AfterPackContext): Promise<void> };
      const { afterPack } = (await import(pathToFileURL(join(productRoot(), hook)).href)) as Hook;
      const { context, executable } = packedApp(fakeBinary([SHIPPED]));
      await afterPack(context);
      assert.deepEqual(wireStates(readFileSync(executable)), [`${RELEASED}1`]);
    },
  );

  it('flips both wires of a universal macOS binary', async () => {
    const { context, executable } = packedApp(fakeBinary([SHIPPED, SHIPPED]));
    await flipReleaseFuses(context);
    assert.deepEqual(wireStates(readFileSync(executable)), [`${RELEASED}1`, `${RELEASED}1`]);
  });

  it('refuses a binary without a wire, with three, or of another version, and writes nothing to it', async () => {
    const refusals: Array<[Buffer, RegExp]> = [
      [Buffer.from('no fuses in here'), /Could not find sentinel/],
      [fakeBinary([SHIPPED, SHIPPED, SHIPPED]), /Found 3 copies of the fuse sentinel/],
      [Buffer.concat([fakeBinary([SHIPPED]), fakeBinary([SHIPPED], 2)]), /does not match/],
    ];
    for (const [binary, message] of refusals) {
      const { context, executable } = packedApp(binary);
      await assert.rejects(flipReleaseFuses(context), message);
      assert.deepEqual(readFileSync(executable), binary);
    }
  });

  it(
    'flips the fuses of the .app bundle on macOS (Electron ' + 'Framework inside it) and of the executable elsewhere',
    () => {
      const at = (electronPlatformName: string) => packedAppOf({ appOutDir: '/out', electronPlatformName, packager });
      assert.equal(at('darwin'), join('/out', 'Pastiche.app'));
      assert.equal(at('mas'), at('darwin'));
      assert.equal(at('win32'), join('/out', 'Pastiche.exe'));
      assert.equal(at('linux'), join('/out', 'pastiche'));
    },
  );
});
