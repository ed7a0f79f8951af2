import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';
import { join } from 'node:path';

/**
 * Electron's fuses: switches compiled into its binary that a packaged app flips once, before it is
 * signed, so no environment variable or argument can turn them back. electron-builder 25 has no
 * `electronFuses` option (26 has, with these names), so build/electron-fuses.mjs, its afterPack
 * hook, flips them with Electron's own @electron/fuses (`flipReleaseFuses`).
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
} as const;

export type FuseName = keyof typeof RELEASE_FUSES;

/** Each fuse's option in @electron/fuses (its place on the wire). */
const FUSE_OPTION: Readonly<Record<FuseName, FuseV1Options>> = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
};

/**
 * RELEASE_FUSES as @electron/fuses takes them. On macOS the framework's signature no longer matches
 * its bytes once flipped, and Apple silicon refuses to start unsigned code, so it is signed again ad
 * hoc; electron-builder then signs the app with the developer's identity, if any.
 */
export function releaseFuseConfig(platform: string): FuseV1Config {
  const config: FuseV1Config = { version: FuseVersion.V1, resetAdHocDarwinSignature: isMac(platform) };
  for (const [name, on] of Object.entries(RELEASE_FUSES) as Array<[FuseName, boolean]>) config[FUSE_OPTION[name]] = on;
  return config;
}

/** What electron-builder's afterPack hook is given (the part used here). */
export interface AfterPackContext {
  readonly appOutDir: string;
  readonly electronPlatformName: string;
  readonly packager: { readonly appInfo: { readonly productFilename: string }; readonly executableName?: string };
}

/**
 * The packed app as @electron/fuses wants it: the .app bundle on macOS (it finds the framework), the executable
 * elsewhere.
 */
export function packedAppOf(context: AfterPackContext): string {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  const product = packager.appInfo.productFilename;
  if (isMac(platform)) return join(appOutDir, `${product}.app`);
  if (platform === 'win32') return join(appOutDir, `${product}.exe`);
  return join(appOutDir, packager.executableName ?? product);
}

/** electron-builder's afterPack: flips RELEASE_FUSES in the packed app before it is signed. */
export async function flipReleaseFuses(context: AfterPackContext): Promise<void> {
  await flipFuses(packedAppOf(context), releaseFuseConfig(context.electronPlatformName));
}

function isMac(platform: string): boolean {
  return platform === 'darwin' || platform === 'mas';
}
