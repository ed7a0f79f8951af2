import type { StudioEvent } from '../../common/api/studioApi.js';
import type { StyleListing, StyleSummary } from '../../common/fast/styleInfo.js';
import type { DownloadProgress } from '../download/verifiedDownload.js';
import { installStyle } from '../fast/installStyle.js';
import { requireStyleCatalogueEntry } from '../fast/styleCatalogue.js';
import { listStyles } from '../fast/styleLibrary.js';
import { styleThumbnail } from '../fast/styleThumbnail.js';
import { readFileBytes } from '../fileIO.js';
import { describeImage } from '../image/imageIO.js';
import type { RunStore } from '../store/runStore.js';

// The studio's requests about the style library: its styles with their thumbnails, installs from the catalogue.

/** A thumbnail is a small PNG; a file much larger than that in a style's folder is not one. */
const MAX_THUMBNAIL_BYTES = 16 * 1024 ** 2;

/** The library's styles, each with its thumbnail; one not made yet is made now (a fraction of a second each). */
export async function styleListings(store: RunStore): Promise<StyleListing[]> {
  const listings: StyleListing[] = [];
  // One at a time: each thumbnail is a pass of a style network, which should not compete with the others for memory.
  for (const style of listStyles(store.paths.styles)) listings.push(await withThumbnail(store, style));
  return listings;
}

/** Downloads, checks and imports a catalogue style, telling the UI how far the download is. */
export async function installCatalogueStyle(
  store: RunStore,
  name: string,
  emit: (event: StudioEvent) => void,
): Promise<StyleListing> {
  const onProgress = (progress: DownloadProgress) => emit({ type: 'style.progress', name, ...progress });
  await installStyle(requireStyleCatalogueEntry(name), store.paths.styles, { onProgress });
  return (await styleListings(store)).find((style) => style.name === name)!;
}

/**
 * The style with its thumbnail copied into the store, so the pages show it as any stored image
 * (`/media/ID`); the store keeps one copy of the same bytes, so listing again adds nothing.
 */
async function withThumbnail(store: RunStore, style: StyleSummary): Promise<StyleListing> {
  try {
    const file = await styleThumbnail(store.paths.styles, style.name);
    const bytes = await readFileBytes(file, MAX_THUMBNAIL_BYTES);
    const { width, height, format } = await describeImage(bytes, file);
    const image = store.addImage(bytes, { originalName: `${style.name}.png`, width, height, format });
    return { ...style, thumbnailImageId: image.id };
  } catch (error) {
    // A style whose thumbnail cannot be made (a full disk, a damaged file) is still listed and usable.
    const why = error instanceof Error ? error.message : String(error);
    console.error(`pastiche: no thumbnail for the style ${style.name}: ${why}`);
    return { ...style, thumbnailImageId: null };
  }
}
