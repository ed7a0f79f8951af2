/** The one line to show for a failure: an Error's message (a PasticheError's already names the culprit). */
export function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}
