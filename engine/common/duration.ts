/** "42 s", "3 min 5 s", "2 h 10 min": a time as a person reads it, to the second under an hour. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/**
 * "about 40 s", "about 12 min", "about 2 h 10 min": an estimate, rounded to its last unit — an
 * estimate's seconds would claim a precision a cost model does not have.
 */
export function approximateDuration(ms: number): string {
  if (ms < 500) return 'under a second';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `about ${seconds} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}
