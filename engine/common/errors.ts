/**
 * An error whose message is fit to show a person as it is: one line that names the thing at fault
 * (a file, an option, a layer) and the problem. Anything else that escapes is a bug.
 */
export class PasticheError extends Error {
  override readonly name = 'PasticheError';
  constructor(
    message: string,
    readonly subject?: string,
  ) {
    super(subject ? `${subject}: ${message}` : message);
  }
}

export function isPasticheError(error: unknown): error is PasticheError {
  return error instanceof PasticheError;
}
