/**
 * The fuzzing harness every format's fuzz suite shares (issue 13): mutations of real and generated
 * inputs (bit flips, truncation, extension, spliced and overwritten runs for bytes; deleted fields,
 * swapped types and extreme numbers for JSON), and one check for every case — the reader returns a
 * result or refuses with a one-line PasticheError naming the input, within a time bound, with
 * resident memory under a bound. `npm test` runs a few hundred cases per format, `npm run fuzz`
 * thousands (PASTICHE_FUZZ_RUNS).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPasticheError } from '../../engine/common/errors.js';

/** The cases per format: `inTest` under `npm test`, PASTICHE_FUZZ_RUNS when set (`npm run fuzz`). */
export function fuzzRuns(inTest: number): number {
  const given = Number(process.env.PASTICHE_FUZZ_RUNS);
  return Number.isSafeInteger(given) && given > 0 ? given : inTest;
}

/** A fixed seed unless PASTICHE_FUZZ_SEED says otherwise, so a failure found can be replayed. */
export function fuzzSeed(): number {
  const given = Number(process.env.PASTICHE_FUZZ_SEED);
  return Number.isSafeInteger(given) ? given : 13;
}

/** One way bytes are damaged, applied to a copy of a seed input. */
type ByteMutation = (bytes: Uint8Array) => Uint8Array;

/**
 * Where a mutation lands (modulo the input's length): half the time fast-check's bias towards small
 * numbers, which damages headers, half the time anywhere, so that the data after them is damaged too.
 */
const position = fc.oneof(fc.nat(), fc.noBias(fc.nat()));
/** How much of the input a truncation keeps, anywhere (fast-check's bias would empty a third of the inputs). */
const fraction = fc.noBias(fc.double({ min: 0, max: 1, noNaN: true }));

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  // Bit flips anywhere: the commonest damage, which checksums and length fields must catch.
  fc
    .array(fc.tuple(position, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 })
    .map((flips) => (bytes: Uint8Array) => {
      const copy = bytes.slice();
      for (const [at, bit] of flips) if (copy.length > 0) copy[at % copy.length] ^= 1 << bit;
      return copy;
    }),
  // Truncation: a download or copy cut short.
  fraction.map((kept) => (bytes: Uint8Array) => bytes.slice(0, Math.floor(bytes.length * kept))),
  // Extension: trailing garbage.
  fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((tail) => (bytes: Uint8Array) => concat(bytes, tail)),
  // A run of bytes overwritten with one value (0x00, 0xff: lengths and counts become 0 or huge).
  fc
    .tuple(position, fc.integer({ min: 1, max: 64 }), fc.constantFrom(0x00, 0xff, 0x7f, 0x80))
    .map(([at, length, value]) => (bytes: Uint8Array) => {
      const copy = bytes.slice();
      if (copy.length > 0) copy.fill(value, at % copy.length, Math.min(copy.length, (at % copy.length) + length));
      return copy;
    }),
  // A slice of the input duplicated elsewhere in it.
  fc.tuple(position, position, fc.integer({ min: 1, max: 512 })).map(([from, to, length]) => (bytes: Uint8Array) => {
    if (bytes.length === 0) return bytes;
    const start = from % bytes.length;
    const at = to % bytes.length;
    return concat(bytes.subarray(0, at), bytes.subarray(start, start + length), bytes.subarray(at));
  }),
);

/** Seed inputs each damaged by one to three mutations; the seeds themselves come up unharmed too. */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  assert.ok(seeds.length > 0, 'fuzzing needs at least one seed input');
  // Plain copies: a Buffer's slice() shares its memory, so mutating "copies" of a Buffer seed would
  // damage the seed itself, and every later case with it.
  const seed = fc.constantFrom<Uint8Array>(...seeds.map((bytes) => new Uint8Array(bytes)));
  return fc.oneof(
    { weight: 1, arbitrary: seed },
    {
      weight: 19,
      arbitrary: fc
        .tuple(seed, fc.array(byteMutation, { minLength: 1, maxLength: 3 }))
        .map(([bytes, mutations]) => mutations.reduce((b, m) => m(b), bytes)),
    },
  );
}

/** JSON values a hostile or careless file puts where a field should be. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    '',
    '..',
    '../../etc/passwd',
    '/etc/passwd',
    0,
    -1,
    0.5,
    -0.5,
    1e308,
    -1e308,
    2 ** 53,
    2 ** 31,
    NaN,
    1e-320,
  ),
  fc.constantFrom([], {}, [null], [-1], [0.5], [1e9, 1e9], { $bytes: 'AAAA' }, 'A'.repeat(10_000)),
  fc.jsonValue({ maxDepth: 2 }),
);

/** The paths to every field of a JSON value, for mutations to pick from. */
function jsonPaths(
  value: unknown,
  path: (string | number)[] = [],
  into: (string | number)[][] = [],
): (string | number)[][] {
  into.push(path);
  if (Array.isArray(value)) value.forEach((item, i) => jsonPaths(item, [...path, i], into));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) jsonPaths(item, [...path, key], into);
  return into;
}

type JsonMutation = { kind: 'delete' | 'replace'; pick: number; value: unknown };

const jsonMutation: fc.Arbitrary<JsonMutation> = fc.record({
  kind: fc.constantFrom('delete' as const, 'replace' as const),
  pick: fc.nat(),
  value: hostileJsonValue,
});

function applyJsonMutation(root: unknown, mutation: JsonMutation): unknown {
  const paths = jsonPaths(root);
  const path = paths[mutation.pick % paths.length];
  if (path.length === 0) return mutation.kind === 'replace' ? mutation.value : undefined;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let holder = copy;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (mutation.kind === 'replace') holder[last] = mutation.value;
  else if (Array.isArray(holder)) holder.splice(Number(last), 1);
  else delete holder[last];
  return copy;
}

/** A JSON seed with one to four fields deleted or replaced by hostile values; the seed itself too. */
export function mutatedJson(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  assert.ok(seeds.length > 0, 'fuzzing needs at least one seed input');
  const seed = fc.constantFrom(...seeds);
  return fc.oneof(
    { weight: 1, arbitrary: seed },
    {
      weight: 19,
      arbitrary: fc
        .tuple(seed, fc.array(jsonMutation, { minLength: 1, maxLength: 4 }))
        .map(([value, mutations]) => mutations.reduce(applyJsonMutation, value)),
    },
  );
}

export interface FuzzOptions<T> {
  readonly runs: number;
  /** The longest one case may take (checked after it returns; a case that never returns is the test's timeout). */
  readonly caseTimeoutMs: number;
  /** How far resident memory may grow above where it was before the first case. */
  readonly maxRssGrowthBytes: number;
  /** What a refusal's message must name (the file, the field; one of several); none: any one line. */
  readonly subject?: (input: T) => string | readonly string[];
  /** Checks after each case, e.g. that the store holds nothing half-written. */
  readonly after?: (input: T) => Promise<void> | void;
}

export interface FuzzReport {
  readonly name: string;
  readonly cases: number;
  readonly accepted: number;
  readonly refused: number;
  readonly slowestMs: number;
  readonly rssGrowthBytes: number;
}

/**
 * Runs `attempt` on `runs` generated cases: each must resolve, or reject with a PasticheError of one
 * line naming its subject. Any other error, a case over the time bound, or memory past the bound
 * fails the property, and fast-check shrinks it to a small input. Prints one line with the figures.
 */
export async function fuzzFormat<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  attempt: (input: T) => Promise<unknown>,
  options: FuzzOptions<T>,
): Promise<FuzzReport> {
  const baseline = process.memoryUsage().rss;
  let accepted = 0;
  let refused = 0;
  let slowestMs = 0;
  let peakRss = baseline;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (input) => {
      const started = performance.now();
      const outcome = await attempt(input).then(
        () => null,
        (error: unknown) => error,
      );
      const tookMs = performance.now() - started;
      slowestMs = Math.max(slowestMs, tookMs);
      if (outcome === null) accepted++;
      else {
        assertOneLineRefusal(outcome, options.subject?.(input));
        // PASTICHE_FUZZ_VERBOSE=1 prints every refusal, to see which checks the cases reach.
        if (process.env.PASTICHE_FUZZ_VERBOSE) console.log(`refused: ${(outcome as Error).message}`);
        refused++;
      }
      assert.ok(
        tookMs <= options.caseTimeoutMs,
        `${name}: a case took ${tookMs.toFixed(0)} ms, over the bound of ${options.caseTimeoutMs} ms`,
      );
      await options.after?.(input);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      assert.ok(
        peakRss - baseline <= options.maxRssGrowthBytes,
        `${name}: resident memory grew by ${mb(peakRss - baseline)}, ` +
          `over the bound of ${mb(options.maxRssGrowthBytes)}`,
      );
    }),
    { numRuns: options.runs, seed: fuzzSeed(), endOnFailure: true },
  );
  const report = { name, cases: accepted + refused, accepted, refused, slowestMs, rssGrowthBytes: peakRss - baseline };
  console.log(
    `fuzz ${name}: ${report.cases} cases (${accepted} accepted, ${refused} refused in one line), ` +
      `0 failures; slowest ${slowestMs.toFixed(0)} ms, resident memory +${mb(report.rssGrowthBytes)}`,
  );
  return report;
}

/** A refusal as a person must see it: a PasticheError, one line, naming what is at fault. */
export function assertOneLineRefusal(error: unknown, subject?: string | readonly string[]): void {
  if (!isPasticheError(error))
    throw new assert.AssertionError({
      message: `not a one-line refusal but ${error instanceof Error ? error.stack : String(error)}`,
    });
  assert.ok(!/[\r\n]/.test(error.message), `a refusal of more than one line: ${JSON.stringify(error.message)}`);
  const subjects = typeof subject === 'string' ? [subject] : subject;
  if (subjects !== undefined)
    assert.ok(
      subjects.some((s) => error.message.includes(s)),
      `the refusal names none of ${subjects.join(', ')}: ${error.message}`,
    );
}

/** Every number anywhere in `value` is finite: what a result that passed validation may hold. */
export function assertFiniteNumbers(value: unknown, path = 'value'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (Array.isArray(value)) value.forEach((item, i) => assertFiniteNumbers(item, `${path}[${i}]`));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) assertFiniteNumbers(item, `${path}.${key}`);
}

/** Awaits a promise that must be refused in one line matching `pattern`. */
export async function assertRefusedInOneLine(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assertOneLineRefusal(error);
    assert.match((error as Error).message, pattern);
    return true;
  });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MB`;
}
