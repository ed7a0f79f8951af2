/**
 * An error whose message is fit to show a person as it is: one line that names the thing at fault
 * (a file, an option, a layer) and the problem. Anything else that escapes is a bug.
 */
export class PasticheError extends Error {
  override readonly name = 'PasticheError';
  constructor(message: string, readonly subject?: string) {
    super(subject ? `${subject}: ${message}` : message);
  }
}

/** A run stopped because its AbortSignal fired; the caller keeps the last good image. */
export class RunCancelledError extends Error {
  override readonly name = 'RunCancelledError';
  constructor() {
    super('run cancelled');
  }
}

export function isPasticheError(error: unknown): error is PasticheError {
  return error instanceof PasticheError;
}
