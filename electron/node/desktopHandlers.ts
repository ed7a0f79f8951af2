import { basename } from 'node:path';
import type { DesktopChannel } from '../../engine/common/api/studioApi.js';
import { readFileBytes, writeFileAtomically } from '../../engine/node/fileIO.js';
import type { RemoteHandlers } from '../../engine/node/studio/studioThread.js';
import type { MainHandlers } from '../common/studioIpc.js';

/**
 * The native pieces the shell's requests need: Electron's dialogs and `shell` (injected, so the logic is tested without
 * them).
 */
export interface NativeShell {
  /** The open dialog for images, several at once; empty when cancelled. */
  chooseImages(): Promise<string[]>;
  /** The save dialog, proposing `fileName`; null when cancelled. */
  chooseSavePath(fileName: string): Promise<string | null>;
  showInFolder(path: string): void;
}

/**
 * The desktop-only requests. A file is revealed only if this session saved it, so a page cannot make
 * the shell open arbitrary paths; adding images goes through the engine's own checks, file by file.
 */
export function desktopHandlers(
  native: NativeShell,
  addImage: RemoteHandlers['images.add'],
): Pick<MainHandlers, DesktopChannel> {
  const saved = new Set<string>();
  return {
    'desktop.addImages': async () => {
      const added = [],
        problems = [];
      for (const path of await native.chooseImages()) {
        try {
          added.push(await addImage({ name: basename(path), bytes: await readFileBytes(path) }));
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
      return { added, problems };
    },
    'desktop.saveFile': async ({ fileName, bytes }) => {
      const path = await native.chooseSavePath(fileName);
      if (path === null) return null;
      await writeFileAtomically(path, bytes);
      saved.add(path);
      return { path };
    },
    'desktop.reveal': async ({ path }) => {
      if (!saved.has(path)) throw new Error(`${path}: not a file this studio saved`);
      native.showInFolder(path);
    },
  };
}
