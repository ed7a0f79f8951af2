#!/usr/bin/env node
// `npm run dist`: packages the desktop studio with electron-builder (build/electron-builder.yml).
// electron-builder rebuilds better-sqlite3 inside node_modules for Electron's ABI; afterwards it is
// rebuilt for Node again, so the CLI, the web host and the tests keep working in this checkout.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;

const packaged = run('npx', ['electron-builder', '--config', 'build/electron-builder.yml', ...process.argv.slice(2)]);
const restored = run('npm', ['rebuild', 'better-sqlite3']);
process.exit(packaged || restored);
