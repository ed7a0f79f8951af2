import { Menu } from 'electron';
import { menuTemplate, type MenuActions, type MenuOptions } from '../common/menuTemplate.js';

/** The native menu (electron/common/menuTemplate.ts), built by Electron. */
export function applicationMenu(actions: MenuActions, options: MenuOptions): Menu {
  return Menu.buildFromTemplate(menuTemplate(actions, options));
}
