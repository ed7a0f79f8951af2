import { ipcRenderer } from 'electron';
import { COMPUTE_PORT_MESSAGE } from '../../engine/common/api/computeProtocol.js';

// The engine window's preload: it hands the page the port to the engine's thread, which the main
// process sends once (a MessagePort crosses only through IPC into the isolated world, then by
// postMessage into the page). The page gets nothing else.
// The preload is compiled without the DOM's types (electron/tsconfig.json): the one call it makes on the window.
const page = globalThis as unknown as {
  postMessage(message: string, targetOrigin: string, transfer: readonly unknown[]): void;
};
ipcRenderer.once(COMPUTE_PORT_MESSAGE, (event) => page.postMessage(COMPUTE_PORT_MESSAGE, '*', event.ports));
