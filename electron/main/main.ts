import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import { isPasticheError } from '../../engine/common/errors.js';
import { READABLE_IMAGE_TYPES } from '../../engine/common/image.js';
import { productRoot, productVersion } from '../../engine/node/resources.js';
import { openStudioThread, type StudioConnection } from '../../engine/node/studio/studioThread.js';
import { IPC_EVENTS, type IpcEventPayloads } from '../common/ipc.js';
import { serveStudioIpc } from '../common/studioIpc.js';
import { guardSession } from '../common/webGuards.js';
import { isStudioUrl } from '../common/webPolicy.js';
import { desktopHandlers, type NativeShell } from '../node/desktopHandlers.js';
import { answerStudioProtocol } from '../node/studioProtocol.js';
import { applicationMenu } from './applicationMenu.js';
import { openEngineWindow, type EngineWindow } from './engineWindow.js';
import { createMainWindow } from './mainWindow.js';
import { guardEverything } from './guardEverything.js';

/**
 * The desktop studio's main process: one window, the native menu and dialogs, and the engine in a
 * worker thread it owns (so this process stays responsive while a run computes). Everything the
 * page asks goes through the one typed contract.
 */

// A standard, secure scheme gives the pages a real origin for their Content-Security-Policy.
protocol.registerSchemesAsPrivileged([
  { scheme: 'pastiche', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

// DevTools, their menu item and shortcut exist in development only, never in a release build.
const devTools = !app.isPackaged;
// Every web contents and session is guarded from the moment it exists (navigation, new windows, permissions),
// and every renderer is sandboxed, whatever a window's own preferences say.
guardEverything({ devTools });
app.enableSandbox();

// Two studios on one store would both start its queued runs.
if (!app.requestSingleInstanceLock()) app.quit();
else void start().catch(failed);

async function start(): Promise<void> {
  await app.whenReady();
  const studio = await openStudioThread({ version: productVersion() });
  const { dataHome, version, backend } = await studio.handlers['studio.info'](undefined);
  guardSession(session.defaultSession);
  protocol.handle('pastiche', (request) =>
    answerStudioProtocol(request, {
      pagesDir: join(productRoot(), 'dist', 'renderer'),
      imagePath: async (imageId) => (await studio.handlers['images.get']({ imageId })).path,
    }),
  );
  const handlers = { ...studio.handlers, ...desktopHandlers(nativeShell(), studio.handlers['images.add']) };
  serveStudioIpc(ipcMain, handlers, isStudioUrl);

  const preload = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url));
  const window = createMainWindow({ preload, devTools });
  mainWindow = window;
  const engine = gpuWithoutCuda(studio, backend.name);
  const toPage = <E extends keyof IpcEventPayloads>(channel: E, payload: IpcEventPayloads[E]) => {
    if (!window.isDestroyed()) window.webContents.send(channel, payload);
  };
  studio.subscribe((event) => toPage(IPC_EVENTS.studio, event));
  Menu.setApplicationMenu(
    applicationMenu(
      {
        send: (command) => toPage(IPC_EVENTS.menu, command),
        openDataFolder: () => void shell.openPath(dataHome),
        about: () =>
          void engine.then((gpu) => {
            // The GPU engine window's line only when stylizations and generations compute there.
            const gpuLine = gpu?.used
              ? `Stylizations and generations: ${gpu.backend.name} — ${gpu.backend.description}\n`
              : '';
            return dialog.showMessageBox(window, {
              title: 'About Pastiche',
              message: `Pastiche ${version}`,
              detail: `Backend: ${backend.name} — ${backend.description}\n${gpuLine}Data: ${dataHome}`,
            });
          }),
      },
      { mac: process.platform === 'darwin', devTools },
    ),
  );
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  // The hidden engine window would keep the app alive after the studio's window closed.
  window.on('closed', () => void engine.then((gpu) => gpu?.close()));
  app.on('window-all-closed', () => app.quit());
  closeEngineBeforeQuitting(studio);
}

/**
 * Without native TensorFlow on CUDA, stylizations and generations compute on whatever GPU the
 * system has, in the hidden engine window (WebGPU, else WebGL). Not when a backend is forced
 * (PASTICHE_BACKEND). The studio works without it: a window that cannot open is reported, not fatal.
 */
async function gpuWithoutCuda(studio: StudioConnection, backend: string): Promise<EngineWindow | null> {
  if (backend === 'tfjs-node-gpu' || process.env.PASTICHE_BACKEND) return null;
  try {
    const engine = await openEngineWindow(studio, {
      page: join(productRoot(), 'dist', 'engine-page', 'enginePage.html'),
      preload: fileURLToPath(new URL('../preload/enginePreload.cjs', import.meta.url)),
      devTools,
    });
    console.log(
      `Engine window: ${engine.backend.name} — ` +
        `${engine.backend.description}${engine.used ? '' : " (not used: the engine's thread is as fast)"}`,
    );
    return engine;
  } catch (error) {
    console.error(
      `Engine window: cannot open (${error instanceof Error ? error.message : String(error)}); ` +
        `runs compute in the engine's thread.`,
    );
    return null;
  }
}

/** The engine stops its queue (a running run is kept as cancelled, with its last image) before the app exits. */
function closeEngineBeforeQuitting(studio: StudioConnection): void {
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    event.preventDefault();
    closing = true;
    void studio.close().finally(() => app.exit(0));
  });
}

/** The studio's window: dialogs belong to it, never to the hidden engine window. */
let mainWindow: BrowserWindow | undefined;

function nativeShell(): NativeShell {
  const focused = () => BrowserWindow.getFocusedWindow() ?? mainWindow!;
  return {
    chooseImages: async () =>
      (
        await dialog.showOpenDialog(focused(), {
          title: 'Add photos and paintings',
          properties: ['openFile', 'multiSelections'],
          filters: [{ name: 'Images', extensions: Object.keys(READABLE_IMAGE_TYPES) }],
        })
      ).filePaths,
    chooseSavePath: async (fileName) => {
      // A cancelled dialog answers with an empty path; the page's name is only proposed, inside Pictures.
      const defaultPath = join(app.getPath('pictures'), basename(fileName));
      const { canceled, filePath } = await dialog.showSaveDialog(focused(), { defaultPath });
      return canceled || !filePath ? null : filePath;
    },
    showInFolder: (path) => shell.showItemInFolder(path),
  };
}

/** The engine could not start (a data folder it cannot create, a forced backend missing): say why, then leave. */
function failed(error: unknown): void {
  const message = isPasticheError(error)
    ? error.message
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
  dialog.showErrorBox('Pastiche cannot start', message);
  app.exit(1);
}
