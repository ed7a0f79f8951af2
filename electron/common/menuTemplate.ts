import type { MenuCommand } from '../../engine/common/api/studioApi.js';

export interface MenuActions {
  /** Asks the page to do something it owns the state for. */
  send(command: MenuCommand): void;
  openDataFolder(): void;
  about(): void;
}

/** The menu roles the template uses: Electron's names, so the template is Electron's own type as it is. */
export type MenuRole =
  | 'appMenu'
  | 'close'
  | 'quit'
  | 'editMenu'
  | 'help'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'toggleDevTools';

/** One item of the native menu, shaped as Electron's MenuItemConstructorOptions (so it is tested without Electron). */
export interface MenuItemTemplate {
  readonly label?: string;
  readonly role?: MenuRole;
  readonly type?: 'separator';
  readonly accelerator?: string;
  readonly registerAccelerator?: boolean;
  readonly click?: () => void;
  readonly submenu?: MenuItemTemplate[];
}

export interface MenuOptions {
  /** macOS puts the application's menu first and closes the window instead of quitting. */
  readonly mac: boolean;
  /** DevTools are offered in development only: a release build has neither the item nor its shortcut. */
  readonly devTools: boolean;
}

/**
 * The native menu. Shortcuts the page already handles itself (Alt+1…3, Ctrl+Enter — so they
 * work in the browser too) are shown but not registered, so one key press never acts twice.
 */
export function menuTemplate(actions: MenuActions, { mac, devTools }: MenuOptions): MenuItemTemplate[] {
  const shownOnly = (accelerator: string) => ({ accelerator, registerAccelerator: false });
  return [
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
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(devTools ? [{ role: 'toggleDevTools' } as const] : []),
      ],
    },
    {
      label: '&Run',
      submenu: [{ label: 'Paint', ...shownOnly('CmdOrCtrl+Enter'), click: () => actions.send('paint') }],
    },
    { role: 'help', submenu: [{ label: 'About Pastiche', click: actions.about }] },
  ];
}
