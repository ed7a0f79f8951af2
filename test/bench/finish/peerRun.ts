import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StylizeSettings } from '../../../engine/common/stylize/settings.js';
import type { TracePoint } from './finishRun.js';
import { exportForPeer } from './peerExport.js';

export interface PeerOutcome {
  readonly torch: string;
  readonly threads: number;
  /** `target`: it reached the finished loss; `cap`: it ran out of time first; `iterations`: it ran all of them. */
  readonly ended: { readonly reason: 'target' | 'cap' | 'iterations'; readonly seconds: number; readonly loss: number };
  /** Every evaluation, as the engine's runs are traced (ms since the optimisation was set up). */
  readonly trace: TracePoint[];
}

/**
 * neural-style's plain run in PyTorch (test/bench/peer/pytorchLbfgs.py) on exactly the engine's loss,
 * exported into a temporary folder; it stops at `finished` or after `capSeconds`.
 */
export async function runPeer(
  python: string,
  settings: StylizeSettings,
  files: { content: string; style: string },
  modelsDir: string,
  finished: number,
  capSeconds: number,
): Promise<PeerOutcome> {
  const folder = mkdtempSync(join(tmpdir(), 'pastiche-peer-'));
  try {
    await exportForPeer(folder, settings, files, modelsDir);
    const script = fileURLToPath(new URL('../../../../test/bench/peer/pytorchLbfgs.py', import.meta.url));
    const args = [
      script,
      folder,
      String(finished),
      String(capSeconds),
      String(settings.iterations),
      String(cpus().length),
    ];
    const output = execFileSync(python, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    });
    const result = JSON.parse(output) as Omit<PeerOutcome, 'trace'> & {
      trace: Array<{ iteration: number; total: number; seconds: number }>;
    };
    const trace = result.trace.map((t) => ({
      iteration: t.iteration,
      size: settings.size,
      total: t.total,
      ms: Math.round(t.seconds * 1000),
    }));
    return { ...result, trace };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
