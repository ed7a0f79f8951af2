import type { Command } from 'commander';
import { generatorParameters } from '../../common/generate/gramGenerator.js';
import { scheduleText } from '../../common/stylize/schedule.js';
import { COLOUR_PRESERVATION_LABELS, styleRepresentationText } from '../../common/stylize/settings.js';
import type {
  FeedforwardRunRecord,
  GenerateRunRecord,
  ImageRecord,
  RunRecord,
  RunStore,
  StylizeRunRecord,
  TrainStyleRunRecord,
} from '../store/runStore.js';
import { openRunStore } from '../store/runStore.js';
import { integerOption } from './optionParsers.js';
import { printJson } from './progressView.js';
import { formatNumber, formatTable } from './table.js';

export function registerRunsCommands(program: Command): void {
  program
    .command('runs')
    .description('list recorded runs with their key hyper-parameters, newest first')
    .option('--project <name>', 'only this project')
    .option('--json', 'print JSON', false)
    .action((options: { project?: string; json: boolean }) =>
      withStore((store) => {
        const runs = store.listRuns({ project: options.project });
        if (options.json) return printJson(runs);
        if (runs.length === 0)
          return console.log(
            'No runs yet. Make one with `pastiche stylize --content PHOTO --style PAINTING --out result.png`.',
          );
        console.log(
          formatTable(
            [
              'run',
              'kind',
              'project',
              'status',
              'network',
              'init',
              'size',
              'iterations',
              'α/β/γ',
              'optimizer',
              'backend',
              'created',
            ],
            runs.map(runRow),
          ),
        );
      }),
    );
  program
    .command('show')
    .description('every recorded hyper-parameter of a run, its metrics summary and outputs')
    .argument('<run-id>', 'the run number', integerOption('run-id'))
    .option('--json', 'print JSON', false)
    .action((runId: number, options: { json: boolean }) => withStore((store) => showRun(store, runId, options.json)));
}

function withStore(action: (store: RunStore) => void): void {
  const store = openRunStore();
  try {
    action(store);
  } finally {
    store.close();
  }
}

/**
 * A generate run starts from noise, has no content weight and its own width and height; a feed-forward run optimises
 * nothing.
 */
function runRow(run: RunRecord): string[] {
  const created = run.createdAt.slice(0, 19).replace('T', ' ');
  if (run.kind === 'feedforward') {
    const s = run.settings;
    return [
      String(run.id),
      run.kind,
      run.project,
      run.status,
      s.style,
      'photo',
      `${s.width}×${s.height}`,
      '—',
      '—',
      '—',
      run.backend ?? '—',
      created,
    ];
  }
  if (run.kind === 'train-style') {
    const s = run.settings;
    return [
      String(run.id),
      run.kind,
      run.project,
      run.status,
      s.network,
      '—',
      String(s.size),
      `${run.iterationsDone}/${run.training.totalSteps}`,
      [s.contentWeight, s.styleWeight, s.tvWeight].map(formatNumber).join('/'),
      s.optimizer.name,
      run.backend ?? '—',
      created,
    ];
  }
  const s = run.settings;
  const [init, size, contentWeight] =
    run.kind === 'stylize'
      ? [run.settings.init, String(run.settings.size), formatNumber(run.settings.contentWeight)]
      : ['noise', `${run.settings.width}×${run.settings.height}`, '—'];
  return [
    String(run.id),
    run.kind,
    run.project,
    run.status,
    s.network,
    init,
    size,
    `${run.iterationsDone}/${s.iterations}`,
    [contentWeight, formatNumber(s.styleWeight), formatNumber(s.tvWeight)].join('/'),
    s.optimizer.name,
    run.backend ?? '—',
    created,
  ];
}

function showRun(store: RunStore, runId: number, json: boolean): void {
  const run = store.run(runId);
  const metrics = store.metrics(runId);
  const outputs = store.outputs(runId);
  // Iteration 0 is the starting image's loss, not an iteration.
  const summary =
    metrics.length === 0
      ? null
      : {
          iterations: metrics.filter((m) => m.iteration > 0).length,
          first: metrics[0],
          last: metrics[metrics.length - 1],
        };
  if (json) return printJson({ ...run, metrics: summary, outputs });
  const lines: Array<[string, string]> = [
    ['run', `${run.id} (${run.kind}) in project '${run.project}'`],
    ['status', run.status + (run.error ? ` — ${run.error}` : '')],
    ...kindLines(run),
    ['backend', run.backend ?? '—'],
    [
      'time',
      `created ${run.createdAt}${run.durationMs !== null ? `, ran ${(run.durationMs / 1000).toFixed(1)} s` : ''}`,
    ],
  ];
  if (summary)
    lines.push([
      'loss',
      `${summary.first.total.toPrecision(5)} (iteration ${summary.first.iteration}) ` +
        `→ ${summary.last.total.toPrecision(5)} (iteration ${summary.last.iteration}: ` +
        `content ${summary.last.content.toPrecision(4)}, style ` +
        `${summary.last.style.toPrecision(4)}, tv ${summary.last.tv.toPrecision(4)})`,
    ]);
  for (const output of outputs) lines.push([`${output.kind} @${output.iteration}`, output.image.path]);
  const width = Math.max(...lines.map(([key]) => key.length));
  console.log(lines.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n'));
}

function kindLines(run: RunRecord): Array<[string, string]> {
  if (run.kind === 'feedforward') return feedforwardLines(run);
  if (run.kind === 'train-style') return trainStyleLines(run);
  const s = run.settings;
  return [
    ...(run.kind === 'stylize' ? stylizeLines(run) : generateLines(run)),
    [
      'optimizer',
      Object.entries(s.optimizer)
        .map(([k, v]) => (k === 'name' ? String(v) : `${k} ${v}`))
        .join(', '),
    ],
    ['iterations', `${run.iterationsDone} of ${s.iterations}`],
    ['pooling', s.pooling],
    ['preview every', String(s.previewEvery)],
  ];
}

/** One pass through a style network: its name and weights, the size and the tiling. */
function feedforwardLines(run: FeedforwardRunRecord): Array<[string, string]> {
  const s = run.settings;
  return [
    ['content', imageLine(run.contentImage)],
    ['style network', `${s.style}${run.weightsSha256 ? ` (weights sha256 ${run.weightsSha256})` : ''}`],
    ['size', `${s.width}×${s.height} px${s.size === null ? " (the photo's own)" : ''}`],
    ['tiles', s.tile === 0 ? 'one piece' : `${s.tile} px, overlap ${s.overlap} px`],
  ];
}

/** A style network's training: what it learns from, through which loss network, and the style it saved. */
function trainStyleLines(run: TrainStyleRunRecord): Array<[string, string]> {
  const s = run.settings;
  const { styleName, photos, totalSteps, styleSha256 } = run.training;
  return [
    ['style', `${styleName}${styleSha256 ? ` (saved, weights sha256 ${styleSha256})` : ''}`],
    ...run.styles.map((style): [string, string] => [
      'painting',
      `${style.image.originalName ?? '—'} at ${s.styleSize} px (stored ${style.image.path})`,
    ]),
    ['photos', `${photos.count} in ${photos.folder}, ${s.size}×${s.size} px, batches of ${s.batchSize}`],
    ['validation', imageLine(run.contentImage)],
    ['loss network', `${s.network}${run.weightsSha256 ? ` (weights sha256 ${run.weightsSha256})` : ''}`],
    ['content layers', s.contentLayers.join(', ')],
    ['style layers', s.styleLayers.map((l) => `${l.layer}×${formatNumber(l.weight)}`).join(', ')],
    ['weights α/β/γ', [s.contentWeight, s.styleWeight, s.tvWeight].map(formatNumber).join(' / ')],
    [
      'optimizer',
      Object.entries(s.optimizer)
        .map(([k, v]) => (k === 'name' ? String(v) : `${k} ${v}`))
        .join(', '),
    ],
    [
      'steps',
      `${run.iterationsDone} of ${totalSteps} (${s.epochs} ` +
        `epoch${s.epochs === 1 ? '' : 's'}${s.steps > 0 ? `, stopped at ${s.steps}` : ''})`,
    ],
    ['seed', String(s.seed)],
    ['every', `checkpoint ${s.checkpointEvery} steps, preview ${s.previewEvery || 'never'}`],
  ];
}

function imageLine(image: ImageRecord): string {
  return `${image.originalName ?? '—'} (${image.width}×${image.height}, stored ${image.path})`;
}

function stylizeLines(run: StylizeRunRecord): Array<[string, string]> {
  const s = run.settings;
  return [
    ['content', imageLine(run.contentImage)],
    ...run.styles.map((style, i): [string, string] => [
      `style ${i + 1}`,
      `${style.image.originalName ?? '—'} × ${formatNumber(style.blendWeight)} (stored ${style.image.path})`,
    ]),
    ['network', `${s.network}${run.weightsSha256 ? ` (weights sha256 ${run.weightsSha256})` : ''}`],
    ['init', s.init + (run.initImage ? ` (${run.initImage.originalName ?? run.initImage.path})` : '')],
    ['content layers', s.contentLayers.join(', ') || '—'],
    ['style layers', s.styleLayers.map((l) => `${l.layer}×${formatNumber(l.weight)}`).join(', ') || '—'],
    ['weights α/β/γ', [s.contentWeight, s.styleWeight, s.tvWeight].map(formatNumber).join(' / ')],
    ['size', `${s.size} px (style scale ${s.styleScale})`],
    ...(s.schedule
      ? [['schedule', `${scheduleText(s.schedule)} (size:iterations@tile/overlap)`] as [string, string]]
      : []),
    ['seed', String(s.seed)],
    ['colours', COLOUR_PRESERVATION_LABELS[s.preserveColors]],
    ['style as', styleRepresentationText(s)],
  ];
}

/** No photo: the generator's parameters instead, and the painting `mimic` measures. */
function generateLines(run: GenerateRunRecord): Array<[string, string]> {
  const s = run.settings;
  return [
    ...run.styles.map((style): [string, string] => [
      'painting',
      `${style.image.originalName ?? '—'} (stored ${style.image.path})`,
    ]),
    ['network', `${s.network}${run.weightsSha256 ? ` (weights sha256 ${run.weightsSha256})` : ''}`],
    ...generatorParameters(s.generator),
    ['style layers', s.styleLayers.map((l) => `${l.layer}×${formatNumber(l.weight)}`).join(', ')],
    ['weights β/γ', [s.styleWeight, s.tvWeight].map(formatNumber).join(' / ')],
    ['size', `${s.width}×${s.height} px${run.styles.length > 0 ? ` (style scale ${s.styleScale})` : ''}`],
  ];
}
