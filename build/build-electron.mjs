#!/usr/bin/env node
// Builds electron/'s Electron-only entry points into dist/electron, and the engine window's page:
//  - the preloads (the studio's, the engine window's), each bundled into one CommonJS file, because a
//    sandboxed preload cannot load modules;
//  - the engine window's page (engine/browser) into dist/engine-page: one classic script, so that it
//    loads from file:// too, with @tensorflow/tfjs-backend-webgpu where that optional package is installed;
//  - the main process, type-checked and compiled with electron/tsconfig.json against Electron's types,
//    which the electron package brings. It is a dev dependency, not an optional one: npm silently skips
//    an optional package whose `engines` this Node does not meet (Electron 45 asks for Node 22.12), and
//    electron/main then went unchecked. Electron 45 has no install script, so the package installs
//    without its binary (downloaded on demand); `npm start` serves the studio to the browser until then.
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

for (const [entry, fileName] of [
  ['electron/preload/preload.ts', 'preload.cjs'],
  ['electron/preload/enginePreload.ts', 'enginePreload.cjs'],
]) {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: {
      lib: { entry, formats: ['cjs'], fileName: () => fileName },
      outDir: 'dist/electron/preload',
      emptyOutDir: false,
      target: 'es2022',
      minify: false,
      rollupOptions: { external: ['electron'] },
    },
  });
}

const WEBGPU = '@tensorflow/tfjs-backend-webgpu';
const webgpuInstalled = resolves(WEBGPU);
if (!webgpuInstalled)
  console.log(`engine window: built without WebGPU — the optional ${WEBGPU} is not installed (WebGL is its fallback).`);
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  resolve: {
    alias: webgpuInstalled
      ? {}
      : { [WEBGPU]: fileURLToPath(new URL('../engine/browser/webgpuAbsent.ts', import.meta.url)) },
  },
  build: {
    lib: {
      entry: 'engine/browser/enginePage.ts',
      formats: ['iife'],
      name: 'pasticheEngine',
      fileName: () => 'enginePage.js',
    },
    outDir: 'dist/engine-page',
    emptyOutDir: true,
    target: 'es2022',
  },
});
copyFileSync(
  new URL('../engine/browser/enginePage.html', import.meta.url),
  new URL('../dist/engine-page/enginePage.html', import.meta.url),
);
const pageTypes = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'engine/browser/tsconfig.json'],
  { cwd: root, stdio: 'inherit' },
);
if (pageTypes.status !== 0) process.exit(pageTypes.status ?? 1);

if (!resolves('electron/electron.d.ts')) {
  console.error(
    'electron/main cannot be type-checked: the electron package (a dev dependency) is not installed — run `npm ' +
      'install`.',
  );
  process.exit(1);
}
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'electron/tsconfig.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

function resolves(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
