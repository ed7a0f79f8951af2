import { BrowserWindow, shell } from 'electron';
import { STUDIO_ORIGIN } from '../common/ipc.js';

/** The studio's canvas colour (renderer/src/theme.css), so the window never flashes white while loading. */
const CANVAS = '#1b1b1d';

/**
 * The studio's one window: sandboxed, context-isolated, no Node in the page; it shows only the
 * studio's own pages, and a link elsewhere opens in the user's browser instead.
 */
export function createMainWindow(preload: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440, height: 900, minWidth: 960, minHeight: 640, show: false, title: 'Pastiche', backgroundColor: CANVAS,
    webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => {
    if (!event.url.startsWith(`${STUDIO_ORIGIN}/`)) event.preventDefault();
  });
  void window.loadURL(`${STUDIO_ORIGIN}/index.html`);
  return window;
}
