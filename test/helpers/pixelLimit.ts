/** Runs `body` with PASTICHE_MAX_PIXELS set to `value`, restoring the variable afterwards. */
export async function withMaxPixelsEnv(value: string, body: () => Promise<void> | void): Promise<void> {
  const saved = process.env.PASTICHE_MAX_PIXELS;
  process.env.PASTICHE_MAX_PIXELS = value;
  try {
    await body();
  } finally {
    if (saved === undefined) delete process.env.PASTICHE_MAX_PIXELS;
    else process.env.PASTICHE_MAX_PIXELS = saved;
  }
}
