import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isChannel, type Channel, type StudioEvent } from '../../common/api/studioApi.js';
import { validateArgs } from '../../common/api/studioSchemas.js';
import { isPasticheError } from '../../common/errors.js';
import { bodyLimit, isUpload, MAX_CONCURRENT_UPLOADS, UPLOAD_RETRY_AFTER_SECONDS } from './bodyLimits.js';
import { declaredLength, readBody, UploadSlots } from './requestBody.js';
import type { StudioHandlers } from './studioHandlers.js';
import { contentTypeOf, MEDIA_CACHE_CONTROL, mediaFile, pageFile, pagesBuilt, securityHeaders } from './studioPages.js';
import { parseWireBody, toWireNode } from './wireBody.js';
import { openRegularFile } from '../fileIO.js';
import { parseMaxSide } from '../../common/view/screenImage.js';
import { screenCopy, type ScreenCopy } from './screenCopy.js';

export interface WebHostOptions {
  /** The studio's handlers; /media/ID finds a stored image's file through 'images.get'. */
  readonly handlers: StudioHandlers;
  /** Subscribes the host to the engine's events; returns the unsubscribe function. */
  readonly subscribe: (listener: (event: StudioEvent) => void) => () => void;
  /** The built renderer (index.html and its assets); absent, / says how to build it. */
  readonly staticDir?: string;
  /** 0 (the default) takes any free port. */
  readonly port?: number;
}

export interface WebHost {
  /** The address to open, token included: the page reads it from there. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * The studio's API over HTTP and WebSocket, on 127.0.0.1 only, for browsers and for machines without
 * Electron. Another web page open in the same browser could send requests here, so each one must
 * carry the per-start token (which only the opened URL holds), name this host in Host (against DNS
 * rebinding) and, when the browser says where it comes from, come from this origin.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = randomBytes(24).toString('hex');
  let origins: string[] = [];
  const host: HostContext = { options, uploads: new UploadSlots() };
  const guard = (request: IncomingMessage, url: URL, needsToken: boolean): string | null => {
    if (!origins.some((origin) => `${url.protocol}//${request.headers.host}` === origin)) return 'wrong Host';
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.includes(origin)) return 'foreign Origin';
    const given = request.headers['x-pastiche-token'] ?? url.searchParams.get('token');
    if (needsToken && !sameToken(given, token)) return WRONG_TOKEN;
    return null;
  };

  // Nothing a request carries may end the process: every failure ends that request (or socket) only.
  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => failed(response, error));
  });
  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = requestTarget(request);
    if (url === null) return sendError(response, 400, NOT_A_PATH);
    const refusal = guard(request, url, url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/'));
    if (refusal) return sendError(response, refusal === WRONG_TOKEN ? 401 : 403, refusal);
    return route(host, request, response, url);
  };
  server.on('clientError', (_error: Error, socket: Duplex) => {
    // As Node's own handler: an answer already under way on this socket is not interrupted by another.
    if ((socket as { _httpMessage?: ServerResponse })._httpMessage?.headersSent) return void socket.destroy();
    refuseSocket(socket, 400, 'malformed request');
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Once upgraded, the socket is no longer the HTTP server's: its errors are this handler's to catch.
    socket.on('error', () => socket.destroy());
    try {
      const url = requestTarget(request);
      const refusal =
        url === null ? NOT_A_PATH : url.pathname === '/events' ? guard(request, url, true) : 'no such endpoint';
      if (refusal) return refuseSocket(socket, upgradeRefusalStatus(url, refusal), refusal);
      sockets.handleUpgrade(request, socket, head, (client) => {
        // A frame over maxPayload or a broken one is an 'error' event: unheard, it would be thrown.
        client.on('error', () => client.terminate());
        sockets.emit('connection', client);
      });
    } catch {
      socket.destroy();
    }
  });
  const unsubscribe = options.subscribe((event) => broadcast(sockets.clients, event));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      sockets.clients.forEach((client) => client.terminate());
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What every request of one host shares. */
interface HostContext {
  readonly options: WebHostOptions;
  readonly uploads: UploadSlots;
}

async function route(host: HostContext, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const { pathname } = url;
  if (pathname.startsWith('/api/')) return serveRequest(host, request, response, pathname.slice('/api/'.length));
  const { handlers, staticDir } = host.options;
  if (pathname.startsWith('/media/')) {
    return serveMedia(handlers, response, pathname.slice('/media/'.length), url.searchParams.get('maxSide'));
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendError(response, 405, 'method not allowed');
  return serveStatic(staticDir, response, pathname);
}

/**
 * POST /api/CHANNEL with the arguments as wire JSON; answers { result } or { error } with one line.
 * A body over the channel's limit is refused from its declared length before a byte is read, or
 * as soon as it passes the limit; the connection then closes, so the rest is never read.
 */
async function serveRequest(
  host: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
  channel: string,
): Promise<void> {
  if (request.method !== 'POST') return sendError(response, 405, 'use POST');
  if (!isChannel(channel)) return sendError(response, 404, `unknown channel '${channel}'`);
  const limit = bodyLimit(channel);
  const tooLarge = () => refuseBody(response, 413, `${channel}: the request is over its limit of ${limit} bytes`);
  if (declaredLength(request) > limit) return tooLarge();
  const upload = isUpload(channel);
  if (upload && !host.uploads.take()) {
    // The connection stays: Node discards the body as it arrives, and the page reads the answer reliably.
    response.setHeader('Retry-After', String(UPLOAD_RETRY_AFTER_SECONDS));
    return sendError(response, 503, `${channel}: ${MAX_CONCURRENT_UPLOADS} uploads are under way; try again shortly`);
  }
  try {
    const body = await readBody(request, limit);
    if (body === null) return tooLarge();
    await answerRequest(host.options.handlers, response, channel, body);
  } finally {
    if (upload) host.uploads.release();
  }
}

async function answerRequest(
  handlers: StudioHandlers,
  response: ServerResponse,
  channel: Channel,
  body: Buffer,
): Promise<void> {
  let wire: unknown;
  try {
    wire = body.length === 0 ? undefined : parseWireBody(body);
  } catch {
    return sendError(response, 400, `${channel}: the request is not wire JSON`);
  }
  try {
    const handler = handlers[channel] as (args: unknown) => unknown;
    const result = await handler(validateArgs(channel, wire));
    send(response, 200, 'application/json', toWireNode({ result: result ?? null }));
  } catch (error) {
    if (isPasticheError(error)) return sendError(response, 400, error.message);
    sendError(response, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A stored image by id, or with `?maxSide=N` a copy no larger than N pixels along its longest side (the
 * viewer's screen-resolution first look). Its bytes never change (the store is content-addressed), so it
 * may be cached for good.
 */
async function serveMedia(
  handlers: StudioHandlers,
  response: ServerResponse,
  id: string,
  givenMaxSide: string | null,
): Promise<void> {
  const side = parseMaxSide(givenMaxSide);
  if ('problem' in side) return sendError(response, 400, side.problem);
  const path = await mediaFile(id, async (imageId) => (await handlers['images.get']({ imageId })).path);
  if (path === null) return sendError(response, 404, 'no such image');
  let copy: ScreenCopy | null = null;
  try {
    if (side.maxSide !== null) copy = await screenCopy(path, side.maxSide);
  } catch (error) {
    // A stored file that is no longer a readable image; anything else is a bug, answered by failed().
    if (isPasticheError(error)) return sendError(response, 422, error.message);
    throw error;
  }
  if (copy) {
    const headers = { 'Content-Type': copy.contentType, 'Cache-Control': MEDIA_CACHE_CONTROL, ...SECURITY_HEADERS };
    return void response.writeHead(200, headers).end(copy.bytes);
  }
  // Only a regular file, and no more than its size: a pipe or a device put in media/ would be read forever.
  const opened = await openRegularFile(path).catch(() => null);
  if (opened === null) return sendError(response, 404, 'the stored copy of this image is missing or not a file');
  response.writeHead(200, {
    'Content-Type': contentTypeOf(path),
    'Cache-Control': MEDIA_CACHE_CONTROL,
    ...SECURITY_HEADERS,
  });
  if (opened.size === 0)
    return void opened.handle.close().then(
      () => response.end(),
      () => response.end(),
    );
  opened.handle
    .createReadStream({ start: 0, end: opened.size - 1 })
    .on('error', () => response.destroy())
    .pipe(response);
}

function serveStatic(staticDir: string | undefined, response: ServerResponse, pathname: string): void {
  if (!staticDir || !pagesBuilt(staticDir)) {
    return send(
      response,
      503,
      'text/plain; charset=utf-8',
      "The studio's pages are not built here: run `npm run build`.\n",
    );
  }
  const target = pageFile(staticDir, pathname);
  response.writeHead(200, { 'Content-Type': contentTypeOf(target), 'Cache-Control': 'no-cache', ...SECURITY_HEADERS });
  streamFile(target, response);
}

/** A file that vanishes or fails mid-way ends this response only, never the host. */
function streamFile(path: string, response: ServerResponse): void {
  createReadStream(path)
    .on('error', () => response.destroy())
    .pipe(response);
}

/** The page talks only to this host: its API and its event stream. */
const SECURITY_HEADERS = securityHeaders(['ws://127.0.0.1:*', 'ws://localhost:*']);

function broadcast(clients: Set<WebSocket>, event: StudioEvent): void {
  const message = toWireNode(event);
  for (const client of clients) if (client.readyState === client.OPEN) client.send(message);
}

/** Compared as bytes of equal length: characters of equal count may differ in their UTF-8 length. */
function sameToken(given: string | string[] | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const givenBytes = Buffer.from(given);
  const tokenBytes = Buffer.from(token);
  return givenBytes.length === tokenBytes.length && timingSafeEqual(givenBytes, tokenBytes);
}

const WRONG_TOKEN = 'missing or wrong token';
const NOT_A_PATH = 'the request target is not a path';

/**
 * The request's target as a URL on this host, or null for anything but a path (an absolute URL, a
 * `//host` form, or what URL cannot parse).
 */
function requestTarget(request: IncomingMessage): URL | null {
  const target = request.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return null;
  try {
    return new URL(target, 'http://127.0.0.1');
  } catch {
    return null;
  }
}

function upgradeRefusalStatus(url: URL | null, refusal: string): number {
  if (url === null) return 400;
  if (refusal === WRONG_TOKEN) return 401;
  return url.pathname === '/events' ? 403 : 404;
}

/** An answer written on the socket itself (a request the HTTP parser refused, an upgrade refused). */
function refuseSocket(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = `${JSON.stringify({ error: message })}\n`;
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** A failure nobody expected (a bug): its one line while the answer has not started, else the connection ends. */
function failed(response: ServerResponse, error: unknown): void {
  if (response.headersSent) return void response.destroy();
  sendError(response, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/** A refusal sent before the body is read: the connection is closed after it, the body never read. */
function refuseBody(response: ServerResponse, status: number, message: string): void {
  response.setHeader('Connection', 'close');
  sendError(response, status, message);
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
  response.end(body);
}

function sendError(response: ServerResponse, status: number, message: string): void {
  send(response, status, 'application/json', JSON.stringify({ error: message }));
}
