import { spawnSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileBytes } from '../../engine/node/fileIO.js';

/**
 * Electron's fuses: switches compiled into its binary that a packaged app flips once, before it is
 * signed, so no environment variable or argument can turn them back. electron-builder 25 has no
 * `electronFuses` option (26 has, with these names), so build/electron-fuses.mjs, its afterPack
 * hook, flips them with `flipReleaseFuses`. The wire's layout is @electron/fuses' (FuseV1Options).
 */
export const RELEASE_FUSES = {
  // ELECTRON_RUN_AS_NODE would turn the signed app into a Node that runs any script.
  runAsNode: false,
  // The studio keeps no cookies; should it ever, they are encrypted with the system's keys.
  enableCookieEncryption: true,
  // NODE_OPTIONS, NODE_EXTRA_CA_CERTS, --inspect and SIGUSR1 would let anyone who starts the app run code in it.
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  // The app's code is app.asar only, checked against the hash electron-builder embeds (macOS, Windows).
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  // The engine window's page is a file, but needs none of file://'s extra privileges (fetch, service workers).
  grantFileProtocolExtraPrivileges: false,
} as const satisfies Record<FuseName, boolean>;

/** Each fuse's place on the wire (@electron/fuses' FuseV1Options). */
const WIRE_INDEX = {
  runAsNode: 0,
  enableCookieEncryption: 1,
  enableNodeOptionsEnvironmentVariable: 2,
  enableNodeCliInspectArguments: 3,
  enableEmbeddedAsarIntegrityValidation: 4,
  onlyLoadAppFromAsar: 5,
  loadBrowserProcessSpecificV8Snapshot: 6,
  grantFileProtocolExtraPrivileges: 7,
} as const;

export type FuseName = keyof typeof WIRE_INDEX;

/** What precedes the wire in Electron's binary; then a version byte, a length byte and one byte per fuse. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
export const FUSE_WIRE_VERSION = 1;
export const FUSE_STATE = { off: 0x30, on: 0x31, removed: 0x72 } as const;

/** The largest Electron binary read to find its wire (Electron Framework is about 200 MB). */
const MAX_ELECTRON_BINARY_BYTES = 1024 ** 3;

export interface FuseWrite {
  /** Where the fuse bytes start in the binary. */
  readonly position: number;
  readonly bytes: Uint8Array;
}

/**
 * The bytes to write so that `binary`'s fuse wires say `fuses`: one wire, or two in a universal
 * macOS binary. Refuses, before anything is written, a binary with no wire or more than two, a wire
 * of another version, too short for a fuse, or where a fuse to set has been removed.
 */
export function fuseWrites(binary: Uint8Array, fuses: Readonly<Record<FuseName, boolean>>): FuseWrite[] {
  const haystack = Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength);
  const sentinels = positionsOf(haystack, Buffer.from(FUSE_SENTINEL));
  if (sentinels.length === 0 || sentinels.length > 2) {
    throw new Error(`Electron's binary has ${sentinels.length} fuse wires, not 1 or 2`);
  }
  return sentinels.map((sentinel) => flippedWire(binary, sentinel + FUSE_SENTINEL.length, fuses));
}

/** The wire whose header (version, length) is at `header`, with `fuses` set. */
function flippedWire(binary: Uint8Array, header: number, fuses: Readonly<Record<FuseName, boolean>>): FuseWrite {
  const [version, length] = [binary[header], binary[header + 1]];
  if (version !== FUSE_WIRE_VERSION) {
    throw new Error(`Electron's fuse wire is version ${version}, not ${FUSE_WIRE_VERSION}`);
  }
  const position = header + 2;
  const bytes = binary.slice(position, position + length);
  for (const [name, on] of Object.entries(fuses) as Array<[FuseName, boolean]>) {
    const index = WIRE_INDEX[name];
    if (index >= bytes.length) throw new Error(`Electron's fuse wire has no fuse ${name} (${bytes.length} fuses)`);
    if (bytes[index] === FUSE_STATE.removed) throw new Error(`Electron has removed the fuse ${name}`);
    bytes[index] = on ? FUSE_STATE.on : FUSE_STATE.off;
  }
  return { position, bytes };
}

/** Every offset of `needle` in `haystack`. */
function positionsOf(haystack: Buffer, needle: Buffer): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/** Flips `fuses` in the Electron binary `file`, in place; nothing is written when any wire is refused. */
export async function flipFuses(file: string, fuses: Readonly<Record<FuseName, boolean>>): Promise<void> {
  const writes = fuseWrites(await readFileBytes(file, MAX_ELECTRON_BINARY_BYTES), fuses);
  const handle = await open(file, 'r+');
  try {
    for (const { position, bytes } of writes) await handle.write(bytes, 0, bytes.length, position);
  } finally {
    await handle.close();
  }
}

/** What electron-builder's afterPack hook is given (the part used here). */
export interface AfterPackContext {
  readonly appOutDir: string;
  readonly electronPlatformName: string;
  readonly packager: { readonly appInfo: { readonly productFilename: string }; readonly executableName?: string };
}

/** The binary that holds the fuses in a packed app: Electron Framework on macOS, the executable elsewhere. */
export function fuseBinaryOf(context: AfterPackContext): string {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  const product = packager.appInfo.productFilename;
  if (platform === 'darwin' || platform === 'mas') {
    const framework = join('Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework');
    return join(appOutDir, `${product}.app`, framework);
  }
  if (platform === 'win32') return join(appOutDir, `${product}.exe`);
  return join(appOutDir, packager.executableName ?? product);
}

/**
 * electron-builder's afterPack: flips RELEASE_FUSES in the packed app. On macOS the framework's
 * signature no longer matches its bytes, and Apple silicon refuses to start unsigned code, so it is
 * signed again ad hoc; electron-builder then signs the app with the developer's identity, if any.
 */
export async function flipReleaseFuses(context: AfterPackContext): Promise<void> {
  const binary = fuseBinaryOf(context);
  await flipFuses(binary, RELEASE_FUSES);
  if (context.electronPlatformName !== 'darwin' && context.electronPlatformName !== 'mas') return;
  const adHoc = ['--sign', '-', '--force', '--preserve-metadata=entitlements,requirements,flags,runtime', binary];
  const signed = spawnSync('codesign', adHoc, { stdio: 'inherit' });
  if (signed.status !== 0) throw new Error(`codesign could not sign ${binary} again after its fuses were flipped`);
}
