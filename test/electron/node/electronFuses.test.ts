import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { productRoot } from '../../../engine/node/resources.js';
import {
  flipFuses, FUSE_SENTINEL, FUSE_STATE, FUSE_WIRE_VERSION, fuseBinaryOf, fuseWrites, RELEASE_FUSES, type AfterPackContext,
} from '../../../electron/node/electronFuses.js';

const [OFF, ON, REMOVED] = [FUSE_STATE.off, FUSE_STATE.on, FUSE_STATE.removed];

/** A stand-in for Electron's binary: junk around a fuse wire (or several) holding `states`. */
function fakeBinary(wires: ReadonlyArray<readonly number[]>, version = FUSE_WIRE_VERSION): Buffer {
  const junk = Buffer.from('\x7fELF…some code…');
  const parts = wires.flatMap((states) => [junk, Buffer.from(FUSE_SENTINEL), Buffer.from([version, states.length, ...states])]);
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

/** Electron 45's wire as shipped: every fuse at Electron's default (RunAsNode, NODE_OPTIONS, inspect on), and a ninth. */
const SHIPPED = [ON, OFF, ON, ON, OFF, OFF, OFF, ON, ON];
/** The eight fuses in a release build: runAsNode 0, cookies 1, NODE_OPTIONS 0, inspect 0, integrity 1, asar only 1, v8 0, file 0. */
const RELEASED = '01001100';

describe('Electron\'s fuses in a release build', () => {
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

  it('is what build/electron-builder.yml\'s afterPack hook writes into the packed app, leaving fuses it does not know', async () => {
    const config = readFileSync(join(productRoot(), 'build', 'electron-builder.yml'), 'utf8');
    const hook = /^afterPack:\s*(\S+)\s*$/m.exec(config)?.[1];
    assert.ok(hook, 'electron-builder.yml names an afterPack hook');
    type Hook = { afterPack(context: AfterPackContext): Promise<void> };
    const { afterPack } = await import(pathToFileURL(join(productRoot(), hook)).href) as Hook;
    const appOutDir = mkdtempSync(join(tmpdir(), 'pastiche-packed-'));
    writeFileSync(join(appOutDir, 'pastiche'), fakeBinary([SHIPPED]));
    const packager = { appInfo: { productFilename: 'Pastiche' }, executableName: 'pastiche' };
    await afterPack({ appOutDir, electronPlatformName: 'linux', packager });
    assert.deepEqual(wireStates(readFileSync(join(appOutDir, 'pastiche'))), [`${RELEASED}1`]);
  });

  it('flips both wires of a universal macOS binary', () => {
    const binary = fakeBinary([SHIPPED, SHIPPED]);
    for (const { position, bytes } of fuseWrites(binary, RELEASE_FUSES)) binary.set(bytes, position);
    assert.deepEqual(wireStates(binary), [`${RELEASED}1`, `${RELEASED}1`]);
  });

  it('refuses a binary without a wire, with three, of another version, too short, or with a fuse removed', () => {
    const refusals: Array<[Buffer, RegExp]> = [
      [Buffer.from('no fuses in here'), /has 0 fuse wires/],
      [fakeBinary([SHIPPED, SHIPPED, SHIPPED]), /has 3 fuse wires/],
      [fakeBinary([SHIPPED], 2), /version 2, not 1/],
      [fakeBinary([SHIPPED.slice(0, 5)]), /no fuse onlyLoadAppFromAsar \(5 fuses\)/],
      [fakeBinary([SHIPPED.map((state, index) => (index === 0 ? REMOVED : state))]), /removed the fuse runAsNode/],
    ];
    for (const [binary, message] of refusals) assert.throws(() => fuseWrites(binary, RELEASE_FUSES), message);
  });

  it('writes nothing to a binary when one of its wires is refused', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pastiche-electron-')), 'electron');
    const binary = Buffer.concat([fakeBinary([SHIPPED]), fakeBinary([SHIPPED], 2)]);
    writeFileSync(file, binary);
    await assert.rejects(flipFuses(file, RELEASE_FUSES), /version 2, not 1/);
    assert.deepEqual(readFileSync(file), binary);
  });

  it('finds the fuses in Electron Framework on macOS and in the executable elsewhere', () => {
    const packager = { appInfo: { productFilename: 'Pastiche' }, executableName: 'pastiche' };
    const at = (electronPlatformName: string) => fuseBinaryOf({ appOutDir: '/out', electronPlatformName, packager });
    const framework = join('Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework');
    assert.equal(at('darwin'), join('/out', 'Pastiche.app', framework));
    assert.equal(at('mas'), at('darwin'));
    assert.equal(at('win32'), join('/out', 'Pastiche.exe'));
    assert.equal(at('linux'), join('/out', 'pastiche'));
  });
});
