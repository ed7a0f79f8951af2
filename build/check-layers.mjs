#!/usr/bin/env node
// Refuses imports across runtime lines, as VS Code's layer check does: a file's folder says which
// runtime it needs, and it may only import code that runs there too.
//   engine/common   — any JavaScript runtime with TensorFlow.js (Node, browser, worker): no Node built-ins
//   engine/node     — Node.js: may use engine/common and Node built-ins
//   engine/browser  — the studio's hidden engine window (a page computing on the GPU): engine/common only
//   renderer        — the browser: may use engine/common only
//   electron/common  — the shell's IPC wiring, runtime-free like engine/common
//   electron/node    — the shell's Node parts (launcher, dialogs' file work, the pages' protocol)
//   electron/preload — Electron's sandboxed preload: Electron's renderer modules, no Node
//   electron/main    — Electron's main process: may use everything above
// The engine never imports Electron, so it runs the same under the CLI, the web host and the tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

/** Each layer: which project folders it may import, and whether Node built-ins / Electron are allowed. */
const layers = [
  { dir: 'engine/common', mayImport: ['engine/common'], node: false, electron: false },
  { dir: 'engine/browser', mayImport: ['engine/common', 'engine/browser'], node: false, electron: false },
  { dir: 'engine/node', mayImport: ['engine/common', 'engine/node', 'resources'], node: true, electron: false },
  { dir: 'renderer', mayImport: ['engine/common', 'renderer'], node: false, electron: false },
  { dir: 'electron/common', mayImport: ['engine/common', 'electron/common'], node: false, electron: false },
  { dir: 'electron/node', mayImport: ['engine/common', 'engine/node', 'electron/common', 'electron/node', 'resources'], node: true, electron: false },
  { dir: 'electron/preload', mayImport: ['engine/common', 'electron/common', 'electron/preload'], node: false, electron: true },
  { dir: 'electron/main', mayImport: ['engine', 'electron', 'resources'], node: true, electron: true },
];
const nodeOnlyPackages = ['better-sqlite3', 'sharp', 'commander', 'cli-progress', 'h5wasm', 'ws', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node'];

function* sourceFiles(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs|svelte)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

const importPattern = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function violations(layer) {
  const found = [];
  for (const file of sourceFiles(join(root, layer.dir))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const spec = match[1] ?? match[2] ?? match[3];
      const problem = judge(layer, file, spec);
      if (problem) found.push(`${relative(root, file)}: imports '${spec}' — ${problem}`);
    }
  }
  return found;
}

function judge(layer, file, spec) {
  if (spec.startsWith('.')) {
    const target = relative(root, resolve(dirname(file), spec)).split(sep).join('/');
    const allowed = layer.mayImport.some((dir) => target === dir || target.startsWith(dir + '/'));
    return allowed ? null : `${layer.dir} may only import ${layer.mayImport.join(', ')}`;
  }
  if (spec === 'electron' || spec.startsWith('electron/')) {
    return layer.electron ? null : `${layer.dir} must not depend on Electron`;
  }
  const isNodeBuiltin = spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);
  const isNodeOnly = nodeOnlyPackages.some((p) => spec === p || spec.startsWith(p + '/'));
  if ((isNodeBuiltin || isNodeOnly) && !layer.node) return `${layer.dir} must run outside Node.js`;
  return null;
}

/**
 * The studio's page computes nothing: the engine does, behind the contract. So nothing the renderer
 * imports, directly or through engine/common, may reach TensorFlow.js — it would also put a megabyte
 * of tensor library into the page's bundle. Returns the first import chain that does.
 */
function tensorLibraryInRenderer() {
  const found = [];
  const seen = new Set();
  const visit = (file, chain) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      // Type-only imports vanish from the bundle.
      if (/^\s*(?:import|export)\s+type\s/.test(match[0])) continue;
      const spec = match[1] ?? match[2] ?? match[3];
      if (spec.startsWith('@tensorflow/')) found.push(`${[...chain, file].map((f) => relative(root, f)).join(' → ')}: imports '${spec}' — the renderer must not bundle TensorFlow.js (move the computation behind the contract, or what it needs into a module without tensors)`);
      else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        try {
          if (statSync(target).isFile()) visit(target, [...chain, file]);
        } catch { /* a Svelte component or an asset: checked as a renderer file itself */ }
      }
    }
  };
  for (const file of sourceFiles(join(root, 'renderer'))) visit(file, []);
  return found.slice(0, 1);
}

const problems = [...layers.flatMap(violations), ...tensorLibraryInRenderer()];
if (problems.length > 0) {
  console.error(`Layer check failed (${problems.length}):\n` + problems.map((p) => '  ' + p).join('\n'));
  process.exit(1);
}
