import type { StudioApi } from '../../../engine/common/api/studioApi.js';

/** Where a file went: a path on disk (the desktop's save dialog), the browser's downloads, or nowhere (cancelled). */
export type Saved = { readonly path: string } | 'downloaded' | null;

/**
 * Saves bytes the engine made (a print, a contact sheet): through the native save dialog under
 * Electron, as a download in a browser, which is all a web page can do.
 */
export async function saveFile(api: StudioApi, bytes: Uint8Array, fileName: string): Promise<Saved> {
  if (api.desktop) return api.desktop.invoke('desktop.saveFile', { fileName, bytes });
  const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return 'downloaded';
}
