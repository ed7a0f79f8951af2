import type * as Ort from 'onnxruntime-node';
import type { ModelProto } from 'onnx-buf';
import {
  givenMomentsGraph,
  meanName,
  ownMomentsGraph,
  PICTURE_INPUT,
  STYLED_OUTPUT,
  varianceName,
  type TransformerValues,
} from '../../common/fast/onnx/transformerInference.js';
import type { MomentValues, PictureStylizer } from '../../common/fast/pictureStylizer.js';
import { TRANSFORMER_LAYERS } from '../../common/fast/transformerLayers.js';
import type { RgbImage } from '../../common/image.js';
import { createSession, SessionCache, type Runtime, type Session } from '../onnxruntime/sessions.js';

/**
 * Six sessions: a tiled picture uses at most four tile sizes (full tiles, the last column's, the last
 * row's, the corner's) and one statistics pass, so none is rebuilt within a picture.
 */
const KEPT_SESSIONS = 6;

/**
 * The style network on onnxruntime, its graphs (transformerInference) built per picture size and
 * their sessions cached: one session per graph and size, created through createSession.
 */
export function onnxStylizer(
  runtime: Runtime,
  values: TransformerValues,
  backend = 'onnxruntime/cpu',
): PictureStylizer {
  const cache = new SessionCache(KEPT_SESSIONS);
  const session = async (kind: 'own' | 'given', { width, height }: RgbImage): Promise<Session> => {
    const build = kind === 'own' ? ownMomentsGraph : givenMomentsGraph;
    const made = cache.get(`${kind}:${width}x${height}`, async () => ({
      sessions: [await createSession(runtime, build(values, height, width) as ModelProto)],
    }));
    return (await made).sessions[0];
  };
  return {
    backend,
    stylize: async (picture, statistics) => {
      const feeds = {
        [PICTURE_INPUT]: pictureTensor(runtime, picture),
        ...(statistics && momentFeeds(runtime, statistics)),
      };
      const outputs = await (await session(statistics ? 'given' : 'own', picture)).run(feeds, [STYLED_OUTPUT]);
      return outputs[STYLED_OUTPUT].data as Float32Array;
    },
    measureStatistics: async (picture) => {
      const names = TRANSFORMER_LAYERS.flatMap((layer) => [meanName(layer.name), varianceName(layer.name)]);
      const feeds = { [PICTURE_INPUT]: pictureTensor(runtime, picture) };
      const outputs = await (await session('own', picture)).run(feeds, names);
      const moments = TRANSFORMER_LAYERS.map(
        (layer) =>
          [
            layer.name,
            {
              mean: outputs[meanName(layer.name)].data as Float32Array,
              variance: outputs[varianceName(layer.name)].data as Float32Array,
            },
          ] as const,
      );
      return new Map(moments);
    },
    dispose: () => cache.clear(),
  };
}

/** The picture's bytes as floats, [1, H, W, 3]. */
function pictureTensor(runtime: Runtime, { width, height, data }: RgbImage): Ort.Tensor {
  return new runtime.Tensor('float32', Float32Array.from(data), [1, height, width, 3]);
}

function momentFeeds(runtime: Runtime, statistics: MomentValues): Record<string, Ort.Tensor> {
  return Object.fromEntries(
    TRANSFORMER_LAYERS.flatMap((layer) => {
      const moments = statistics.get(layer.name);
      if (!moments) throw new Error(`the statistics lack ${layer.name}`);
      return [
        [meanName(layer.name), new runtime.Tensor('float32', moments.mean, [moments.mean.length])],
        [varianceName(layer.name), new runtime.Tensor('float32', moments.variance, [moments.variance.length])],
      ];
    }),
  );
}
