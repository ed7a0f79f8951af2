/**
 * A yes/no the studio remembers in this browser's localStorage across reloads (a disclosure left
 * open). Storage can be refused (a private window, a full quota): the flag then lasts the page.
 */
export function readFlag(key: string, fallback = false): boolean {
  try {
    const stored = globalThis.localStorage?.getItem(key);
    return stored === null || stored === undefined ? fallback : stored === 'true';
  } catch {
    return fallback;
  }
}

export function writeFlag(key: string, value: boolean): void {
  try {
    globalThis.localStorage?.setItem(key, String(value));
  } catch {
    // Not remembered past this page: nothing the artist can or needs to act on.
  }
}
