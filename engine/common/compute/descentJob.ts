import type { DescentJob } from '../api/computeProtocol.js';
import { generate } from '../generate/generate.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import type { DescentHooks, DescentResult } from '../stylize/descent.js';
import { stylize } from '../stylize/stylize.js';

/**
 * Runs a descent described as data on `network`, wherever TensorFlow.js runs: the engine's thread or a compute device.
 */
export function runDescentJob(network: FeatureNetwork, job: DescentJob, hooks: DescentHooks): Promise<DescentResult> {
  switch (job.kind) {
    case 'stylize':
      return stylize({
        ...hooks,
        network,
        settings: job.settings,
        content: job.content,
        styles: job.styles,
        initImage: job.initImage,
      });
    case 'generate':
      return generate({ ...hooks, network, settings: job.settings, painting: job.painting });
  }
}
