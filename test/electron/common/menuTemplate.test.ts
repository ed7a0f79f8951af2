import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MenuCommand } from '../../../engine/common/api/studioApi.js';
import { menuTemplate, type MenuItemTemplate } from '../../../electron/common/menuTemplate.js';

/** Every item of the menu, submenus' included. */
function everyItem(items: readonly MenuItemTemplate[]): MenuItemTemplate[] {
  return items.flatMap((item) => [item, ...everyItem(item.submenu ?? [])]);
}

describe('the native menu', () => {
  const sent: MenuCommand[] = [];
  const actions = { send: (command: MenuCommand) => sent.push(command), openDataFolder: () => {}, about: () => {} };

  it('has no DevTools item, and so no DevTools shortcut, in a release build', () => {
    for (const mac of [false, true]) {
      const items = everyItem(menuTemplate(actions, { mac, devTools: false }));
      assert.ok(!items.some((item) => item.role === 'toggleDevTools'), `no DevTools item (mac: ${mac})`);
      assert.ok(
        !items.some((item) => /Shift\+I|F12|Alt\+I/i.test(item.accelerator ?? '')),
        'no shortcut of the DevTools',
      );
    }
  });

  it('offers DevTools in development', () => {
    assert.ok(
      everyItem(menuTemplate(actions, { mac: false, devTools: true })).some((item) => item.role === 'toggleDevTools'),
    );
  });

  it('sends the page its commands, and registers no shortcut the page handles itself', () => {
    const items = everyItem(menuTemplate(actions, { mac: false, devTools: false }));
    const labels = ['Add Photos and Paintings…', 'Gallery', 'Grids', 'Networks', 'Paint'];
    for (const label of labels) items.find((item) => item.label === label)?.click?.();
    assert.deepEqual(sent, ['add-images', 'show-gallery', 'show-grids', 'show-networks', 'paint']);
    const pageShortcuts = items.filter((item) =>
      ['Alt+1', 'Alt+2', 'Alt+3', 'CmdOrCtrl+Enter'].includes(item.accelerator ?? ''),
    );
    assert.equal(pageShortcuts.length, 4);
    assert.ok(pageShortcuts.every((item) => item.registerAccelerator === false));
  });

  it("puts the application's menu first and closes the window on macOS, quits elsewhere", () => {
    const mac = menuTemplate(actions, { mac: true, devTools: false });
    assert.equal(mac[0].role, 'appMenu');
    assert.ok(everyItem(mac).some((item) => item.role === 'close'));
    const other = menuTemplate(actions, { mac: false, devTools: false });
    assert.notEqual(other[0].role, 'appMenu');
    assert.ok(everyItem(other).some((item) => item.role === 'quit'));
  });
});
