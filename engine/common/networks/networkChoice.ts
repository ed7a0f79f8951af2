import { PasticheError } from '../errors.js';
import type { NetworkSummary } from './networkSummary.js';

/**
 * Which network a run takes when the person did not choose one, and what to tell them when that is
 * a generated one. Pure, over the list `networks.list` gives, so the engine and the studio's page
 * decide alike; engine/node/networks/defaultNetwork.ts applies it to the data folder.
 */

/** The network picked, and whether its features were learnt (pretrained) or generated from a seed. */
export interface NetworkChoice {
  readonly name: string;
  readonly architecture: string;
  readonly pretrained: boolean;
}

/** What would give better pictures when only generated networks are usable, best first. */
export interface PretrainedOffer {
  /** The best pretrained network that installs without downloading anything (converted locally), if any. */
  readonly local: NetworkSummary | null;
  /** The best pretrained network overall that must be downloaded, with its size, if any. */
  readonly download: NetworkSummary | null;
}

const usable = (network: NetworkSummary) => network.status !== 'not-installed';

/** The networks of the quality order, best first. */
function ranked(networks: readonly NetworkSummary[]): NetworkSummary[] {
  return networks.filter((network) => network.rank !== undefined).sort((a, b) => a.rank! - b.rank!);
}

/** The best network of the quality order that is installed, or generated (which needs nothing installed). */
export function chooseNetwork(networks: readonly NetworkSummary[]): NetworkChoice {
  const best = ranked(networks).find(usable);
  if (!best) {
    const problem =
      "none of the catalogue's preferred networks is installed or generated: " + "choose one (see 'pastiche models')";
    throw new PasticheError(problem, 'network');
  }
  return { name: best.name, architecture: best.architecture, pretrained: best.status === 'installed' };
}

/** True when some network of the quality order with learnt weights is installed. */
export function pretrainedInstalled(networks: readonly NetworkSummary[]): boolean {
  return ranked(networks).some((network) => network.status === 'installed');
}

/** The pretrained networks of the quality order not yet installed that would serve best: one local, one downloaded. */
export function pretrainedOffer(networks: readonly NetworkSummary[]): PretrainedOffer {
  const missing = ranked(networks).filter((network) => network.status === 'not-installed');
  return {
    local: missing.find((network) => network.downloadBytes === undefined) ?? null,
    download: missing.find((network) => network.downloadBytes !== undefined) ?? null,
  };
}

/** "80 MB" (a tenth of a MB below 10 MB): a download's size as the advice and the studio's buttons show it. */
export function downloadSize(bytes: number): string {
  const megabytes = bytes / 1e6;
  return `${megabytes < 10 ? megabytes.toFixed(1) : Math.round(megabytes)} MB`;
}

/**
 * The one line the CLI prints when a run falls back to a generated network, or null when the choice
 * is pretrained: which network paints, and how to get a better one.
 */
export function fallbackAdvice(choice: NetworkChoice, networks: readonly NetworkSummary[]): string | null {
  if (choice.pretrained) return null;
  const { local, download } = pretrainedOffer(networks);
  const ways = [
    local && `'pastiche models install ${local.name}' (no download)`,
    download && `'pastiche models install ${download.name}' (${downloadSize(download.downloadBytes!)})`,
  ].filter((way): way is string => !!way);
  const better = ways.length
    ? ` For better pictures: ${ways.join(' or ')}.`
    : " For better pictures, install a pretrained network (see 'pastiche models').";
  return `pastiche: no pretrained network installed; painting with ${choice.name} (random weights, weaker).${better}`;
}
