#!/usr/bin/env node
// Builds electron/'s two Electron-only entry points into dist/electron:
//  - the preload, bundled into one CommonJS file, because a sandboxed preload cannot load modules;
//  - the main process, type-checked and compiled with electron/tsconfig.json, only where the optional
//    electron package (which brings Electron's types) is installed. Without it `npm start` serves the
//    studio to the browser, and electron/common and electron/node are still compiled and tested.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    lib: { entry: 'electron/preload/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
    outDir: 'dist/electron/preload',
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    rollupOptions: { external: ['electron'] },
  },
});

let electronTypes = null;
try {
  electronTypes = require.resolve('electron/electron.d.ts');
} catch {
  console.log('electron/main: not compiled here — the optional electron package is not installed.');
}
if (electronTypes) {
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'electron/tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
