import { chooseNetwork, fallbackAdvice, type NetworkChoice } from '../../common/networks/networkChoice.js';
import { listNetworks } from './registry.js';

/** The network a run takes when none is chosen, with the line to print when it is a generated one. */
export interface DefaultNetwork extends NetworkChoice {
  /** Null when the network is pretrained; else one line saying which network paints and how to get a better one. */
  readonly advice: string | null;
}

/**
 * The best network installed in `modelsDir` by the catalogue's quality order (`preference`): a
 * downloaded or imported one where there is one, else a generated one, which needs nothing.
 */
export function defaultNetwork(modelsDir: string): DefaultNetwork {
  const networks = listNetworks(modelsDir);
  const choice = chooseNetwork(networks);
  return { ...choice, advice: fallbackAdvice(choice, networks) };
}

/**
 * The network a command runs with: the one given (`--network`), else the default, whose advice (if
 * any) is to be printed once the run starts.
 */
export function givenOrDefaultNetwork(
  given: string | undefined,
  modelsDir: string,
): Pick<DefaultNetwork, 'advice'> & { network: string } {
  if (given !== undefined) return { network: given, advice: null };
  const { name, advice } = defaultNetwork(modelsDir);
  return { network: name, advice };
}
