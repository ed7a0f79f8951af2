import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../engine/common/api/studioApi.js';

export interface MenuActions {
  /** Asks the page to do something it owns the state for. */
  send(command: MenuCommand): void;
  openDataFolder(): void;
  about(): void;
}

/**
 * The native menu. Shortcuts the page already handles itself (Alt+1…3, Ctrl+Enter — so they
 * work in the browser too) are shown but not registered, so one key press never acts twice.
 */
export function applicationMenu(actions: MenuActions): Menu {
  const mac = process.platform === 'darwin';
  const shownOnly = (accelerator: string) => ({ accelerator, registerAccelerator: false });
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Add Photos and Paintings…', accelerator: 'CmdOrCtrl+O', click: () => actions.send('add-images') },
        { type: 'separator' },
        { label: 'Open Data Folder', click: actions.openDataFolder },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { label: 'Gallery', ...shownOnly('Alt+1'), click: () => actions.send('show-gallery') },
        { label: 'Grids', ...shownOnly('Alt+2'), click: () => actions.send('show-grids') },
        { label: 'Networks', ...shownOnly('Alt+3'), click: () => actions.send('show-networks') },
        { type: 'separator' },
        { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' }, { role: 'toggleDevTools' },
      ],
    },
    { label: '&Run', submenu: [{ label: 'Paint', ...shownOnly('CmdOrCtrl+Enter'), click: () => actions.send('paint') }] },
    { role: 'help', submenu: [{ label: 'About Pastiche', click: actions.about }] },
  ];
  return Menu.buildFromTemplate(template);
}
