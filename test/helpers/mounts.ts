import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

// Root ignores permission bits, so a folder is made read-only or small by mounting it: tests that
// need it skip, saying why, where mounting is not permitted (not root, a container without the capability).

function mount(...args: string[]): string | null {
  const result = spawnSync('mount', args, { encoding: 'utf8' });
  return result.status === 0 ? null : (result.stderr || result.error?.message || 'mount failed').trim();
}

/** Mounts `source` again at `target`, read-only; null when done, else why it could not be. */
export function bindReadOnly(source: string, target: string): string | null {
  mkdirSync(target, { recursive: true });
  const why = mount('--bind', source, target);
  if (why) return `cannot bind-mount (${why})`;
  const remounted = mount('-o', 'remount,bind,ro', target);
  if (remounted) {
    unmount(target);
    return `cannot remount read-only (${remounted})`;
  }
  return null;
}

/** A tmpfs of `bytes` at `target`: a disk that fills up; null when done, else why it could not be. */
export function smallDisk(target: string, bytes: number): string | null {
  mkdirSync(target, { recursive: true });
  const why = mount('-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', target);
  return why ? `cannot mount a tmpfs (${why})` : null;
}

export function unmount(target: string): void {
  spawnSync('umount', [target]);
}
