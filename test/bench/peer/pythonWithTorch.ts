import { execFileSync } from 'node:child_process';

/**
 * The Python that has PyTorch (Debian's /usr/bin/python3 where another python3 comes first on the
 * PATH), or null: the benchmarks then leave the peer out and say so.
 */
export function pythonWithTorch(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
      return python;
    } catch {
      // The next candidate.
    }
  }
  return null;
}
