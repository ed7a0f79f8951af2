// A child process's entry: probes one execution provider and prints its verdict as one JSON line
// (providerProbe.ts's probeInChild), so a driver that crashes takes this process, not the engine.
import type * as Ort from 'onnxruntime-node';
import { probeInProcess } from './providerProbe.js';
import { isProviderName } from './providers.js';

const provider = process.argv[2] ?? '';
if (!isProviderName(provider)) {
  process.stdout.write(JSON.stringify({ usable: false, reason: `unknown provider '${provider}'` }) + '\n');
  process.exit(2);
}
const runtime = (await import('onnxruntime-node')) as typeof Ort;
const probe = await probeInProcess(runtime, provider);
process.stdout.write(JSON.stringify(probe) + '\n');
// Dawn's and drivers' threads may keep the process alive; the verdict is out.
process.exit(0);
