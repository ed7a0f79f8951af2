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
// It also refuses any import cycle in engine/, electron/ and renderer/, type-only imports included.
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { sourceFiles } from './sourceFiles.mjs';

/** The files whose imports are checked: code, not type declarations. */
const isCode = (file) => /\.(ts|mts|js|mjs|svelte)$/.test(file) && !file.endsWith('.d.ts');

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

/** Each layer: which project folders it may import, and whether Node built-ins / Electron are allowed. */
const layers = [
  { dir: 'engine/common', mayImport: ['engine/common'], node: false, electron: false },
  { dir: 'engine/browser', mayImport: ['engine/common', 'engine/browser'], node: false, electron: false },
  { dir: 'engine/node', mayImport: ['engine/common', 'engine/node', 'resources'], node: true, electron: false },
  { dir: 'renderer', mayImport: ['engine/common', 'renderer'], node: false, electron: false },
  { dir: 'electron/common', mayImport: ['engine/common', 'electron/common'], node: false, electron: false },
  {
    dir: 'electron/node',
    mayImport: ['engine/common', 'engine/node', 'electron/common', 'electron/node', 'resources'],
    node: true,
    electron: false,
  },
  {
    dir: 'electron/preload',
    mayImport: ['engine/common', 'electron/common', 'electron/preload'],
    node: false,
    electron: true,
  },
  { dir: 'electron/main', mayImport: ['engine', 'electron', 'resources'], node: true, electron: true },
];
/** The folders whose import graph must have no cycle. */
const CYCLE_FOLDERS = ['engine', 'electron', 'renderer'];
const nodeOnlyPackages = [
  'better-sqlite3',
  'sharp',
  'commander',
  'cli-progress',
  'h5wasm',
  'ws',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'onnxruntime-node',
];

/** `import … from '…'` or `export … from '…'`, `import('…')`, and a bare `import '…'`: the path is group 1, 2 or 3. */
const importPattern = new RegExp(
  [
    String.raw`(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]`,
    String.raw`import\(\s*['"]([^'"]+)['"]\s*\)`,
    String.raw`^\s*import\s*['"]([^'"]+)['"]`,
  ].join('|'),
  'gm',
);

function violations(layer) {
  const found = [];
  for (const file of sourceFiles(join(root, layer.dir), isCode)) {
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
    const target = relative(root, resolve(dirname(file), spec))
      .split(sep)
      .join('/');
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
      if (spec.startsWith('@tensorflow/'))
        found.push(
          `${[...chain, file].map((f) => relative(root, f)).join(' → ')}: imports '${spec}' — the renderer must not ` +
            `bundle TensorFlow.js (move the computation behind the contract, or what it needs into a module without ` +
            `tensors)`,
        );
      else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        try {
          if (statSync(target).isFile()) visit(target, [...chain, file]);
        } catch {
          /* a Svelte component or an asset: checked as a renderer file itself */
        }
      }
    }
  };
  for (const file of sourceFiles(join(root, 'renderer'), isCode)) visit(file, []);
  return found.slice(0, 1);
}

/** A relative import's file: TypeScript imports name the compiled `.js`, whose source is the `.ts` beside it. */
function importedFile(file, spec) {
  const target = resolve(dirname(file), spec);
  for (const candidate of [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      /* not this spelling */
    }
  }
  return null;
}

/**
 * An import cycle makes a module's meaning depend on which side loads first, and its two ends can no
 * longer be read, tested or moved one without the other: put what both share into a module of its own.
 * Type-only imports count too, since they tie the files together for a reader just the same. Finds the
 * strongly connected components of the import graph (Tarjan's algorithm) and names one cycle in each.
 */
function importCycles() {
  const graph = new Map();
  for (const dir of CYCLE_FOLDERS) {
    for (const file of sourceFiles(join(root, dir), isCode)) {
      const targets = new Set();
      for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
        const spec = match[1] ?? match[2] ?? match[3];
        const target = spec.startsWith('.') ? importedFile(file, spec) : null;
        if (target !== null) targets.add(target);
      }
      graph.set(file, [...targets]);
    }
  }
  return stronglyConnected(graph)
    .filter((component) => component.length > 1 || (graph.get(component[0]) ?? []).includes(component[0]))
    .map((component) => {
      const name = (file) => relative(root, file).split(sep).join('/');
      const cycle = cycleWithin(graph, new Set(component)).map(name).join(' → ');
      const others =
        component.length > 2 ? ` (${component.length} files import each other: ${component.map(name).join(', ')})` : '';
      return `import cycle: ${cycle}${others} — move what they share into a module both sides can import`;
    });
}

function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  const connect = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node), index.get(target)));
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return components;
}

/** The shortest cycle through the component's first file, found breadth-first: start → … → start. */
function cycleWithin(graph, component) {
  const start = [...component][0];
  const cameFrom = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const target of graph.get(node) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

const problems = [...layers.flatMap(violations), ...tensorLibraryInRenderer(), ...importCycles()];
if (problems.length > 0) {
  console.error(`Layer check failed (${problems.length}):\n` + problems.map((p) => '  ' + p).join('\n'));
  process.exit(1);
}
