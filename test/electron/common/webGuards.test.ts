import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STUDIO_ORIGIN } from '../../../electron/common/ipc.js';
import {
  guardSession,
  guardWebContents,
  type CancellableEvent,
  type GuardedContents,
  type GuardedEventName,
  type GuardedSession,
  type WindowOpenDetails,
} from '../../../electron/common/webGuards.js';

const page = `${STUDIO_ORIGIN}/index.html`;
const engine = 'file:///opt/Pastiche/resources/app.asar/dist/engine-page/enginePage.html';

/** A web contents at `url` that records its listeners, like Electron's, and what the guard did. */
function fakeContents(url: string) {
  const listeners = new Map<string, (event: CancellableEvent) => void>();
  let openHandler: ((details: WindowOpenDetails) => { action: 'deny' }) | undefined;
  const closed: string[] = [];
  const contents: GuardedContents = {
    getURL: () => url,
    on: (event: GuardedEventName | 'devtools-opened', listener: (event: CancellableEvent) => void) =>
      listeners.set(event, listener),
    setWindowOpenHandler: (handler) => {
      openHandler = handler;
    },
    closeDevTools: () => closed.push('devtools'),
  };
  /** Emits `name` as Electron would; true when the guard cancelled it. */
  const emit = (name: string, given: Partial<CancellableEvent> = {}): boolean => {
    let prevented = false;
    listeners.get(name)!({
      ...given,
      preventDefault: () => {
        prevented = true;
      },
    });
    return prevented;
  };
  const open = (details: Partial<WindowOpenDetails> & { url: string }) =>
    openHandler!({ disposition: 'foreground-tab', features: '', ...details });
  return { contents, emit, open, closed, listens: (name: string) => listeners.has(name) };
}

function guarded(url: string, devTools = false) {
  const fake = fakeContents(url);
  const opened: string[] = [];
  guardWebContents(fake.contents, {
    devTools,
    openExternal: async (link) => {
      opened.push(link);
    },
  });
  return { ...fake, opened };
}

describe('the guard on every web contents', () => {
  it("lets the studio's window move between its own pages only, and redirects likewise", () => {
    const studio = guarded(page);
    assert.equal(studio.emit('will-navigate', { url: `${STUDIO_ORIGIN}/index.html#/grids` }), false);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'pastiche://studio@evil/']) {
      assert.equal(studio.emit('will-navigate', { url }), true, url);
      assert.equal(studio.emit('will-redirect', { url }), true, url);
    }
    assert.equal(studio.emit('will-frame-navigate', { url: 'https://example.com/', frame: { url: page } }), true);
    assert.equal(
      studio.emit('will-frame-navigate', { url: page, frame: { url: 'about:blank' } }),
      true,
      "a frame not the studio's",
    );
  });

  it('keeps the hidden engine window on its page, and attaches no webview anywhere', () => {
    const hidden = guarded(engine);
    for (const url of [page, engine, 'https://example.com/'])
      assert.equal(hidden.emit('will-navigate', { url }), true, url);
    assert.equal(hidden.emit('will-attach-webview'), true);
    assert.equal(guarded(page).emit('will-attach-webview'), true);
  });

  it("opens no window: a clicked https link on the studio's page goes to the browser, anything else nowhere", () => {
    const studio = guarded(page);
    assert.deepEqual(studio.open({ url: 'https://example.com/docs' }), { action: 'deny' });
    assert.deepEqual(studio.open({ url: 'http://example.com/' }), { action: 'deny' });
    assert.deepEqual(studio.open({ url: 'https://example.com/popup', features: 'width=10' }), { action: 'deny' });
    assert.deepEqual(studio.opened, ['https://example.com/docs']);
    const hidden = guarded(engine);
    assert.deepEqual(hidden.open({ url: 'https://example.com/' }), { action: 'deny' });
    assert.deepEqual(hidden.opened, []);
  });

  it('closes DevTools as they open in a release build, and leaves them in development', () => {
    const release = guarded(page, false);
    release.emit('devtools-opened');
    assert.deepEqual(release.closed, ['devtools']);
    assert.equal(guarded(page, true).listens('devtools-opened'), false);
  });
});

describe('the guard on every session', () => {
  it('grants no permission, asked or checked, to the studio or any other page, and no device', () => {
    const handlers: {
      request?: Parameters<GuardedSession['setPermissionRequestHandler']>[0];
      check?: Parameters<GuardedSession['setPermissionCheckHandler']>[0];
      device?: () => boolean;
    } = {};
    guardSession({
      setPermissionRequestHandler: (handler) => {
        handlers.request = handler;
      },
      setPermissionCheckHandler: (handler) => {
        handlers.check = handler;
      },
      setDevicePermissionHandler: (handler) => {
        handlers.device = handler;
      },
    });
    const permissions = [
      'clipboard-read',
      'clipboard-sanitized-write',
      'media',
      'notifications',
      'geolocation',
      'openExternal',
      'fullscreen',
    ];
    for (const permission of permissions) {
      for (const origin of [STUDIO_ORIGIN, 'https://example.com', 'file://']) {
        const answers: boolean[] = [];
        handlers.request!(null, permission, (granted) => answers.push(granted), { requestingUrl: `${origin}/` });
        handlers.request!(null, permission, (granted) => answers.push(granted), {});
        assert.deepEqual(answers, [false, false], `${permission} asked by ${origin}`);
        assert.equal(handlers.check!(null, permission, origin), false, `${permission} checked for ${origin}`);
      }
    }
    assert.equal(handlers.device!(), false);
  });
});
