import * as tf from '@tensorflow/tfjs';

/**
 * 'same'-padded convolutions whose kernels can be trained on every backend. TensorFlow.js's wasm
 * backend has no Conv2DBackpropFilter kernel, so tf.conv2d's own gradient with respect to its
 * kernel throws there; these compute it with a forward convolution instead (below), which every
 * backend runs with its fastest kernel. Their values are tf.conv2d's and tf.conv2dTranspose's.
 */

type Stride = 1 | 2;

/** tf.conv2d(x, kernel [k, k, in, out], stride, 'same'), differentiable in x and kernel. */
export function trainableConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: Stride): tf.Tensor4D {
  const op = tf.customGrad(((input: tf.Tensor4D, filter: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([input, filter]);
    return {
      value: tf.conv2d(input, filter, stride, 'same'),
      gradFunc: (dy: tf.Tensor4D, [savedInput, savedFilter]: tf.Tensor4D[]) => [
        convInputGradient(dy, savedFilter, savedInput.shape, stride),
        filterGradient(savedInput, dy, savedFilter.shape[0], stride),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, kernel) as tf.Tensor4D;
}

/**
 * tf.conv2dTranspose(x, kernel [k, k, out, in], [N, H·stride, W·stride, out], stride, 'same'),
 * differentiable in x and kernel. It is the adjoint of the convolution y → conv2d(y, kernel,
 * stride, 'same'), so its input gradient is that convolution and its kernel gradient is that
 * convolution's, with the roles of input and output gradient swapped.
 */
export function trainableConv2dTranspose(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: Stride): tf.Tensor4D {
  const [batch, height, width] = x.shape;
  const outputShape: [number, number, number, number] = [batch, height * stride, width * stride, kernel.shape[2]];
  const op = tf.customGrad(((input: tf.Tensor4D, filter: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([input, filter]);
    return {
      value: conv2dTransposeSame(input, filter, outputShape, stride),
      gradFunc: (dy: tf.Tensor4D, [savedInput, savedFilter]: tf.Tensor4D[]) => [
        tf.conv2d(dy, savedFilter, stride, 'same'),
        filterGradient(dy, savedInput, savedFilter.shape[0], stride),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, kernel) as tf.Tensor4D;
}

/**
 * ∂L/∂x of y = conv2d(x, kernel, stride, 'same'). With stride 1 and an odd kernel it is itself such
 * a convolution, with the kernel flipped in space and its channels swapped (wasm runs forward
 * convolutions about 3× faster than its Conv2DBackpropInput; see featureNetwork's fast path).
 */
function convInputGradient(
  dy: tf.Tensor4D,
  kernel: tf.Tensor4D,
  inputShape: readonly number[],
  stride: Stride,
): tf.Tensor4D {
  return tf.tidy(() => {
    if (stride === 1 && kernel.shape[0] % 2 === 1) return tf.conv2d(dy, flippedKernel(kernel), 1, 'same');
    return conv2dTransposeSame(dy, kernel, inputShape as [number, number, number, number], stride);
  });
}

/**
 * tf.conv2dTranspose(x, kernel, outputShape, stride, 'same'). The transformer's (3×3, stride 2,
 * doubling the size) is computed as four stride-1 convolutions, one per output pixel's parity, whose
 * outputs are interleaved (depth to space, the "sub-pixel" arrangement of Shi et al. 2016): with
 * 'same' padding of a doubled size nothing pads the top and left, so an even output row 2m sums
 * input rows m (kernel row 0) and m − 1 (row 2), an odd one row m (row 1) alone, and likewise for
 * columns. The same sums as tf.conv2dTranspose (bit for bit, measured), which on wasm runs a
 * dedicated kernel some 3.5× slower than these forward convolutions (at 64×64×128 → 128×128×64).
 */
function conv2dTransposeSame(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  outputShape: [number, number, number, number],
  stride: Stride,
): tf.Tensor4D {
  const [batch, height, width] = x.shape;
  const doubles =
    stride === 2 &&
    kernel.shape[0] === 3 &&
    kernel.shape[1] === 3 &&
    outputShape[1] === 2 * height &&
    outputShape[2] === 2 * width &&
    outputShape[0] === batch;
  if (!doubles) return tf.conv2dTranspose(x, kernel, outputShape, stride, 'same');
  return tf.tidy(() => {
    // Kernel rows (or columns) an even and an odd output takes, in the order of the input rows m − 1, m they meet.
    const taps = (parity: number) => (parity === 0 ? [2, 0] : [1]);
    const phases = [0, 1].flatMap((rowParity) =>
      [0, 1].map((columnParity) => {
        const [rows, columns] = [taps(rowParity), taps(columnParity)];
        const phaseKernel = tf.transpose(
          tf.gather(tf.gather(kernel, rows, 0), columns, 1),
          [0, 1, 3, 2],
        ) as tf.Tensor4D;
        const padded = tf.pad(x, [
          [0, 0],
          [rows.length - 1, 0],
          [columns.length - 1, 0],
          [0, 0],
        ]);
        return tf.conv2d(padded, phaseKernel, 1, 'valid');
      }),
    );
    // Depth to space: [N, H, W, (row parity, column parity, C)] → [N, 2H, 2W, C], written as a
    // transpose, which wasm runs some 14× faster than its DepthToSpace (measured at 128×128×128).
    const channels = outputShape[3];
    const interleaved = tf.transpose(
      tf.reshape(tf.concat(phases, 3), [batch, height, width, 2, 2, channels]),
      [0, 1, 3, 2, 4, 5],
    );
    return tf.reshape(interleaved, outputShape);
  });
}

/**
 * The kernel flipped in space, its input and output channels swapped. Flipping both spatial axes
 * reverses the order of the k² positions, which is a product with the k²×k² anti-identity: exact,
 * and on wasm some 15× faster than tf.reverse (measured on 3×3×128×128), which is slow enough there
 * to cost a tenth of a training step at 64 px.
 */
export function flippedKernel(kernel: tf.Tensor4D): tf.Tensor4D {
  // Reversing the flattened kH·kW positions flips both axes at once, for square and factorised kernels alike.
  const [height, width, inChannels, outChannels] = kernel.shape;
  const antiIdentity = tf.reverse(tf.eye(height * width), 0) as tf.Tensor2D;
  const flipped = tf.reshape(
    tf.matMul(antiIdentity, tf.reshape(kernel, [height * width, inChannels * outChannels])),
    kernel.shape,
  );
  return tf.transpose(flipped, [0, 1, 3, 2]) as tf.Tensor4D;
}

/**
 * ∂L/∂kernel [k, k, in, out] of y = conv2d(x, kernel, stride, 'same') given dy = ∂L/∂y:
 * ∂L/∂kernel[i, j, c, d] = Σ over n, p, q of x̃[n, p·s + i, q·s + j, c] · dy[n, p, q, d], x̃ being x
 * with TensorFlow's 'same' padding. That sum is a valid convolution of x̃ with its batch and
 * channel axes swapped ([c, H, W, n]) by dy as a kernel ([p, q, n, d]) dilated by the stride.
 */
export function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, kernelSize: number, stride: Stride): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = x.shape;
    const [, outHeight, outWidth] = dy.shape;
    const padded = tf.pad(x, [
      [0, 0],
      samePadding(height, outHeight, kernelSize, stride),
      samePadding(width, outWidth, kernelSize, stride),
      [0, 0],
    ]);
    const swapped = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D;
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const correlated = tf.conv2d(swapped, filter, 1, 'valid', 'NHWC', stride);
    const cropped = tf.slice(correlated, [0, 0, 0, 0], [-1, kernelSize, kernelSize, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** TensorFlow's 'same' padding along one axis: the total needed, the odd one after (tf.nn.conv2d's rule). */
function samePadding(size: number, outSize: number, kernelSize: number, stride: number): [number, number] {
  const total = Math.max((outSize - 1) * stride + kernelSize - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
