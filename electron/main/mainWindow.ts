import { BrowserWindow } from 'electron';
import { STUDIO_ORIGIN } from '../common/ipc.js';

/** The studio's canvas colour (renderer/src/theme.css), so the window never flashes white while loading. */
const CANVAS = '#1b1b1d';

/**
 * The studio's one window: sandboxed, context-isolated, no Node in the page, DevTools in development
 * only. What it may navigate to and open is the app-wide guard's (webGuards.ts): only the studio's own
 * pages, and a clicked https link in the user's browser.
 */
export function createMainWindow(files: { readonly preload: string; readonly devTools: boolean }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Pastiche',
    backgroundColor: CANVAS,
    webPreferences: {
      preload: files.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      devTools: files.devTools,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${STUDIO_ORIGIN}/index.html`);
  return window;
}
