import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { CHANNELS, DESKTOP_CHANNELS, type StudioApi, type StudioEvent } from '../../../engine/common/api/studioApi.js';
import { openStudio, type Studio } from '../../../engine/node/studio/studio.js';
import { desktopStudioApi, type IpcRendererLike } from '../../../electron/common/desktopStudioApi.js';
import { IPC_EVENTS, STUDIO_ORIGIN, type IpcReply } from '../../../electron/common/ipc.js';
import {
  serveStudioIpc,
  type IpcInvokeEventLike,
  type IpcMainLike,
  type MainHandlers,
} from '../../../electron/common/studioIpc.js';

/**
 * Electron's IPC between one page and the main process, in one thread: invoke → handle, send → on,
 * every payload through structured clone as Electron serialises it. The page's URL is settable, to
 * play a page the window was navigated to.
 */
class LocalIpc implements IpcMainLike, IpcRendererLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, args: unknown) => Promise<IpcReply>>();
  private readonly page = new EventEmitter();
  constructor(public pageUrl: string) {}
  handle(channel: string, listener: (event: IpcInvokeEventLike, args: unknown) => Promise<IpcReply>): void {
    assert.ok(!this.handlers.has(channel), `${channel} handled twice`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, args: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler({ senderFrame: { url: this.pageUrl } }, structuredClone(args)));
  }
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown {
    return this.page.on(channel, listener);
  }
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown {
    return this.page.removeListener(channel, listener);
  }
  /** webContents.send */
  send(channel: string, payload: unknown): void {
    this.page.emit(channel, { sender: 'main' }, structuredClone(payload));
  }
}

describe('Electron IPC: the preload API and the main process handlers', () => {
  let studio: Studio;
  let ipc: LocalIpc;
  let api: StudioApi;
  let stop: () => void;
  let handlers: MainHandlers;
  const shellCalls: string[] = [];

  before(async () => {
    studio = await openStudio({
      home: mkdtempSync(join(tmpdir(), 'pastiche-ipc-')),
      backend: 'cpu',
      version: 'ipc-test',
    });
    const engine = Object.fromEntries(
      Object.entries(studio.handlers).map(([channel, handler]) => [
        channel,
        async (args: unknown) => (handler as (args: unknown) => unknown)(args),
      ]),
    );
    const desktop = Object.fromEntries(
      DESKTOP_CHANNELS.map((channel) => [
        channel,
        async () => {
          shellCalls.push(channel);
          return null;
        },
      ]),
    );
    ipc = new LocalIpc(`${STUDIO_ORIGIN}/index.html`);
    handlers = { ...engine, ...desktop } as unknown as MainHandlers;
    stop = serveStudioIpc(ipc, handlers, (url) => url.startsWith(`${STUDIO_ORIGIN}/`));
    api = desktopStudioApi(ipc);
  });
  after(async () => {
    stop();
    await studio.close();
  });

  it('answers every channel of the contract, and stops answering when asked', () => {
    assert.deepEqual([...ipc.handlers.keys()].sort(), [...CHANNELS, ...DESKTOP_CHANNELS].sort());
    const other = new LocalIpc(`${STUDIO_ORIGIN}/index.html`);
    serveStudioIpc(other, handlers, () => true)();
    assert.equal(other.handlers.size, 0);
  });

  it('carries requests and their answers, bytes included, to the engine and back', async () => {
    assert.equal((await api.invoke('studio.info', undefined)).version, 'ipc-test');
    const png = await sharp({ create: { width: 9, height: 7, channels: 3, background: '#48c' } })
      .png()
      .toBuffer();
    const image = await api.invoke('images.add', { name: 'sky.png', bytes: new Uint8Array(png) });
    assert.equal(image.width, 9);
    assert.equal(image.originalName, 'sky.png');
    const print = await api.invoke('images.export', {
      imageId: image.id,
      print: { width: 2, unit: 'cm', dpi: 100 },
      format: 'png',
    });
    assert.ok(print.bytes instanceof Uint8Array);
    assert.deepEqual(
      await sharp(print.bytes)
        .metadata()
        .then(({ width, density }) => ({ width, density })),
      { width: 79, density: 100 },
    );
    assert.equal(api.imageUrl(image.id), `${STUDIO_ORIGIN}/media/${image.id}`);
  });

  it("shows the engine's one-line problem as it is, and nothing is stored", async () => {
    const before = (await api.invoke('projects.list', undefined)).length;
    await assert.rejects(
      api.invoke('images.add', { name: 'notes.png', bytes: new TextEncoder().encode('not a picture') }),
      (error: Error) => {
        assert.match(error.message, /^notes\.png: /);
        assert.doesNotMatch(error.message, /internal error|Error invoking/);
        return true;
      },
    );
    await assert.rejects(api.invoke('runs.get', { runId: 4242 }), /run 4242/);
    assert.equal((await api.invoke('projects.list', undefined)).length, before);
  });

  it('refuses arguments of the wrong shape as the web host does, before any handler runs', async () => {
    const ask = (channel: string, args: unknown) => ipc.invoke(channel, args);
    assert.deepEqual(await ask('images.add', { name: 'a.png', bytes: '/etc/passwd' }), {
      ok: false,
      message: 'images.add: bytes: expected bytes (on the web, {"$bytes": base64})',
    });
    assert.deepEqual(await ask('runs.get', { runId: Number.NaN }), {
      ok: false,
      message: 'runs.get: runId: expected a positive whole number',
    });
    assert.deepEqual(await ask('desktop.saveFile', { fileName: 'a.png', bytes: [1, 2] }), {
      ok: false,
      message: 'desktop.saveFile: bytes: expected bytes (on the web, {"$bytes": base64})',
    });
    assert.deepEqual(shellCalls, []);
  });

  it("routes the shell's own requests to the desktop handlers", async () => {
    assert.equal(
      await api.desktop!.invoke('desktop.saveFile', { fileName: 'a.png', bytes: new Uint8Array([1]) }),
      null,
    );
    assert.deepEqual(shellCalls, ['desktop.saveFile']);
  });

  it('refuses a channel outside the contract before it reaches IPC', async () => {
    await assert.rejects(
      api.invoke('shell.openExternal' as never, undefined as never),
      /unknown request: shell\.openExternal/,
    );
  });

  it('refuses requests from a page that is not the studio', async () => {
    ipc.pageUrl = 'https://example.com/';
    try {
      await assert.rejects(api.invoke('studio.info', undefined), /refused: this page is not the studio/);
      await assert.rejects(api.desktop!.invoke('desktop.reveal', { path: '/etc' }), /refused/);
      assert.deepEqual(shellCalls, ['desktop.saveFile']);
    } finally {
      ipc.pageUrl = `${STUDIO_ORIGIN}/index.html`;
    }
  });

  it("delivers events and menu commands to subscribers until they unsubscribe, without Electron's event object", () => {
    const events: unknown[] = [];
    const commands: unknown[] = [];
    const stopEvents = api.onEvent((event) => events.push(event));
    const stopMenu = api.desktop!.onMenu((command) => commands.push(command));
    const status: StudioEvent = { type: 'run.status', runId: 3, status: 'running' };
    ipc.send(IPC_EVENTS.studio, status);
    ipc.send(IPC_EVENTS.menu, 'add-images');
    stopEvents();
    stopMenu();
    ipc.send(IPC_EVENTS.studio, { ...status, status: 'done' });
    ipc.send(IPC_EVENTS.menu, 'paint');
    assert.deepEqual(events, [status]);
    assert.deepEqual(commands, ['add-images']);
  });
});
