/** stylize's options as commander fills them when only the photo and the painting are given. */
export const STYLIZE_CLI_DEFAULTS = {
  content: 'photo.jpg',
  style: ['painting.png'],
  out: 'result.png',
  network: 'vgg19-random',
  coarseToFine: false,
  plain: false,
  optimizer: 'lbfgs',
  pooling: 'max',
  styleScale: 1,
  seed: 0,
  previewEvery: 100,
  preserveColors: 'none',
  styleRepr: 'gram',
  tvWeight: 1e-3,
  json: false,
} as const;
