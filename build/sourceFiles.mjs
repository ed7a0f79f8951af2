// The source files the build's checks and formatting tools read: one walk for all of them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every file under `path` (or `path` itself, when it is a file) whose name `accepts`, in name order,
 * skipping node_modules, dist and hidden folders; a folder that does not exist yields nothing.
 */
export function* sourceFiles(path, accepts) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return;
  }
  if (!stats.isDirectory()) {
    if (accepts(path)) yield path;
    return;
  }
  for (const name of readdirSync(path).sort()) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    yield* sourceFiles(join(path, name), accepts);
  }
}
