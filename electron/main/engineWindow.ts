import { BrowserWindow, MessageChannelMain, type MessagePortMain } from 'electron';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { COMPUTE_PORT_MESSAGE } from '../../engine/common/api/computeProtocol.js';
import type { ComputeAttachment } from '../../engine/node/studio/computeDevice.js';
import type { StudioConnection } from '../../engine/node/studio/studioThread.js';

export interface EngineWindow extends ComputeAttachment {
  close(): void;
}

export interface EngineWindowFiles {
  readonly page: string;
  readonly preload: string;
  /** DevTools in development only. */
  readonly devTools: boolean;
}

/**
 * The engine window: hidden, sandboxed, context-isolated, never throttled in the background, loading
 * only the engine's page (dist/engine-page), which computes with TensorFlow.js's WebGPU or WebGL
 * backend — so Mac, AMD and Intel GPUs are used where native TensorFlow has no CUDA to offer. It is
 * joined to the engine's thread by a port; the engine uses it only when it started a GPU backend,
 * and closes it otherwise. The app-wide guard (webGuards.ts) keeps it from navigating or opening anything.
 */
export async function openEngineWindow(studio: StudioConnection, files: EngineWindowFiles): Promise<EngineWindow> {
  const window = new BrowserWindow({
    show: false,
    width: 64,
    height: 64,
    webPreferences: {
      preload: files.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      backgroundThrottling: false,
      spellcheck: false,
      devTools: files.devTools,
    },
  });
  const { port1: toPage, port2: pagePort } = new MessageChannelMain();
  const { port1: toEngine, port2: enginePort } = new MessageChannel();
  const close = () => {
    toPage.close();
    toEngine.close();
    if (!window.isDestroyed()) window.destroy();
  };
  try {
    await window.loadFile(files.page);
    relay(toPage, toEngine);
    window.webContents.postMessage(COMPUTE_PORT_MESSAGE, null, [pagePort]);
    const attachment = await studio.attachComputeDevice(enginePort);
    if (!attachment.used) close();
    // A GPU driver reset or a crash takes the page with it: what it computed fails, keeping its last preview, and later
    // runs compute in the engine's thread.
    window.webContents.once('render-process-gone', (_event, { reason }) => {
      studio.loseComputeDevice(`its page ${reason}`);
      close();
    });
    return { ...attachment, close };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * An Electron port cannot be handed to a worker thread, so the main process carries each message
 * between the page's port and the engine's (weights are copied once here, once per network).
 */
function relay(page: MessagePortMain, engine: MessagePort): void {
  page.on('message', ({ data }) => engine.postMessage(data));
  engine.on('message', (data: unknown) => page.postMessage(data));
  page.start();
}
