/** 3×3 matrices for colour spaces, as rows. */
export type Matrix3 = readonly [
  readonly [number, number, number],
  readonly [number, number, number],
  readonly [number, number, number],
];
type Vector3 = readonly [number, number, number];

const IDENTITY: Matrix3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

export function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const cell = (i: number, j: number) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  return [0, 1, 2].map((i) => [cell(i, 0), cell(i, 1), cell(i, 2)]) as unknown as Matrix3;
}

export function transpose(a: Matrix3): Matrix3 {
  return [
    [a[0][0], a[1][0], a[2][0]],
    [a[0][1], a[1][1], a[2][1]],
    [a[0][2], a[1][2], a[2][2]],
  ];
}

export function apply(a: Matrix3, v: Vector3): [number, number, number] {
  return [
    a[0][0] * v[0] + a[0][1] * v[1] + a[0][2] * v[2],
    a[1][0] * v[0] + a[1][1] * v[1] + a[1][2] * v[2],
    a[2][0] * v[0] + a[2][1] * v[1] + a[2][2] * v[2],
  ];
}

/** The inverse by cofactors; the matrices inverted here (colour-space conversions) are far from singular. */
export function invert(a: Matrix3): Matrix3 {
  const [[a00, a01, a02], [a10, a11, a12], [a20, a21, a22]] = a;
  const c00 = a11 * a22 - a12 * a21,
    c01 = a12 * a20 - a10 * a22,
    c02 = a10 * a21 - a11 * a20;
  const det = a00 * c00 + a01 * c01 + a02 * c02;
  if (Math.abs(det) < 1e-12) throw new RangeError('singular matrix');
  return [
    [c00 / det, (a02 * a21 - a01 * a22) / det, (a01 * a12 - a02 * a11) / det],
    [c01 / det, (a00 * a22 - a02 * a20) / det, (a02 * a10 - a00 * a12) / det],
    [c02 / det, (a01 * a20 - a00 * a21) / det, (a00 * a11 - a01 * a10) / det],
  ];
}

/**
 * S^p for a symmetric positive semi-definite S (a colour covariance), through its eigenvalues
 * (cyclic Jacobi rotations, Golub & Van Loan §8.5). Eigenvalues below `floor` are raised to it, so
 * a flat image's singular covariance still has an inverse square root.
 */
export function symmetricPower(s: Matrix3, power: number, floor = 0): Matrix3 {
  const { values, vectors } = symmetricEigen(s);
  const scaled = values.map((value) => Math.max(value, floor) ** power);
  const diagonal: Matrix3 = [
    [scaled[0], 0, 0],
    [0, scaled[1], 0],
    [0, 0, scaled[2]],
  ];
  return multiply(multiply(vectors, diagonal), transpose(vectors));
}

/** Eigenvalues and eigenvectors (as columns) of a symmetric 3×3 matrix. */
export function symmetricEigen(s: Matrix3): { values: number[]; vectors: Matrix3 } {
  let a = s;
  let vectors = IDENTITY;
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    const scale = a[0][0] ** 2 + a[1][1] ** 2 + a[2][2] ** 2;
    if (off <= 1e-24 * Math.max(scale, 1e-300)) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      if (a[p][q] === 0) continue;
      // The rotation that zeroes a[p][q]: tan θ as the smaller root, for stability.
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const sn = t * c;
      const rotation = IDENTITY.map((row) => [...row]) as unknown as [number[], number[], number[]];
      rotation[p][p] = c;
      rotation[q][q] = c;
      rotation[p][q] = sn;
      rotation[q][p] = -sn;
      const j = rotation as unknown as Matrix3;
      a = multiply(multiply(transpose(j), a), j);
      vectors = multiply(vectors, j);
    }
  }
  return { values: [a[0][0], a[1][1], a[2][2]], vectors };
}
