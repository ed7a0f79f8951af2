import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STUDIO_ORIGIN } from '../../../electron/common/ipc.js';
import {
  externalLinkAllowed,
  isStudioUrl,
  MAX_EXTERNAL_LINK_LENGTH,
  navigationAllowed,
  permissionAllowed,
  STUDIO_PERMISSIONS,
  type WindowOpenRequest,
} from '../../../electron/common/webPolicy.js';

const page = `${STUDIO_ORIGIN}/index.html`;
const engine = 'file:///opt/Pastiche/resources/app.asar/dist/engine-page/enginePage.html';
/** Addresses that look like the studio's, or are near it, and are not. */
const LOOKALIKES = [
  'pastiche://studio@evil/index.html',
  'pastiche://evil@studio:1/',
  'pastiche://user:pw@studio/',
  'pastiche://studio.evil/',
  'pastiche://studio:8080/',
  'pastiche://Studio/',
  'pastiches://studio/',
  'https://studio/',
  'pastiche:studio/index.html',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'about:blank',
  'data:text/html,hi',
  '',
  'not a url',
  engine,
];

describe("the desktop studio's web policy", () => {
  it("knows the studio's own pages and origin, and nothing that only looks like them", () => {
    for (const url of [page, `${STUDIO_ORIGIN}/`, STUDIO_ORIGIN, `${STUDIO_ORIGIN}/assets/app.js?v=1#top`])
      assert.ok(isStudioUrl(url), url);
    for (const url of LOOKALIKES) assert.ok(!isStudioUrl(url), url);
  });

  it('lets a studio page navigate to another studio page only, and the engine window nowhere', () => {
    assert.ok(navigationAllowed(page, `${STUDIO_ORIGIN}/index.html#/grids`));
    for (const url of [...LOOKALIKES, 'https://example.com/', 'http://127.0.0.1:8080/'])
      assert.ok(!navigationAllowed(page, url), url);
    assert.ok(!navigationAllowed(engine, page), "the engine window cannot move into the studio's origin");
    assert.ok(!navigationAllowed(engine, engine));
    assert.ok(!navigationAllowed('', page), 'a page not yet loaded is not the studio');
  });

  describe('links to the web', () => {
    const click = (url: string, given: Partial<WindowOpenRequest> = {}): string | null =>
      externalLinkAllowed({ url, disposition: 'foreground-tab', features: '', openerUrl: page, ...given });

    it('opens an https link clicked on a studio page in the browser, as the URL parser writes it', () => {
      assert.equal(click('https://github.com/pastiche/pastiche#readme'), 'https://github.com/pastiche/pastiche#readme');
      assert.equal(click('https://EXAMPLE.com/a b'), 'https://example.com/a%20b');
      assert.equal(click('https://example.com/', { disposition: 'background-tab' }), 'https://example.com/');
    });

    it('refuses every other scheme, credentials, and links too long', () => {
      const refused = [
        'http://example.com/',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'data:text/html,hi',
        'smb://host/share',
        'ms-settings:',
        'vscode://file/x',
        'https://user:pw@example.com/',
        'https://user@example.com/',
        'https:///',
        'https:',
        'not a url',
        '',
        `https://example.com/${'a'.repeat(MAX_EXTERNAL_LINK_LENGTH)}`,
      ];
      for (const url of refused) assert.equal(click(url), null, url);
    });

    it(
      'refuses what a script asked for rather than the user: ' + 'a popup with features, a posted form, a new window',
      () => {
        assert.equal(click('https://example.com/', { features: 'width=100,height=100' }), null);
        assert.equal(click('https://example.com/', { postBody: { data: [], contentType: 'text/plain' } }), null);
        for (const disposition of ['new-window', 'default', 'other'] as const) {
          assert.equal(click('https://example.com/', { disposition }), null, disposition);
        }
      },
    );

    it("refuses links from any page but the studio's: the engine window, a page it was navigated to", () => {
      for (const openerUrl of [engine, 'https://example.com/', 'pastiche://studio@evil/', '']) {
        assert.equal(click('https://example.com/', { openerUrl }), null, openerUrl);
      }
    });
  });

  describe('browser permissions', () => {
    const ALL = [
      'clipboard-read',
      'clipboard-sanitized-write',
      'media',
      'geolocation',
      'notifications',
      'fullscreen',
      'openExternal',
      'hid',
      'serial',
      'usb',
      'midi',
      'display-capture',
      'fileSystem',
      'pointerLock',
      'window-management',
      'unknown',
    ];

    it('grants the studio none: it uses no browser permission', () => {
      assert.equal(STUDIO_PERMISSIONS.size, 0);
      for (const permission of ALL) assert.ok(!permissionAllowed(permission, STUDIO_ORIGIN), permission);
    });

    it('would grant one the studio needed to its own origin only', () => {
      const granted = new Set(['clipboard-sanitized-write']);
      assert.ok(permissionAllowed('clipboard-sanitized-write', STUDIO_ORIGIN, granted));
      assert.ok(permissionAllowed('clipboard-sanitized-write', page, granted));
      assert.ok(!permissionAllowed('clipboard-read', STUDIO_ORIGIN, granted));
      for (const origin of LOOKALIKES)
        assert.ok(!permissionAllowed('clipboard-sanitized-write', origin, granted), origin);
    });
  });
});
