import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import type { WebHost } from '../../../../engine/node/studio/webHost.js';

// How the web host's tests talk to it: raw bytes on a socket (what no well-behaved client sends) and
// plain HTTP requests with any Host, Origin or body.

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * Writes `text` as it is and collects everything the host sends until it closes the connection
 * (requests here say `Connection: close`); '' when the connection was dropped without an answer.
 */
export function rawExchange(port: number, text: string | Buffer, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of answer within ${timeoutMs} ms to ${JSON.stringify(String(text).slice(0, 80))}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.end(text);
  });
}

/** The status code of a raw answer's status line; 0 when there was none. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0);
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** A request whose every header is the test's, so Host and Origin can be what a hostile page or DNS makes them. */
export function send(host: WebHost, path: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { method = 'GET', headers, body } = options;
    const request = httpRequest({ host: '127.0.0.1', port: host.port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('latin1');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The headers the studio's own page sends with every API request. */
export function ownHeaders(host: WebHost): Record<string, string> {
  return {
    host: `127.0.0.1:${host.port}`,
    origin: `http://127.0.0.1:${host.port}`,
    'x-pastiche-token': host.token,
    'content-type': 'application/json',
  };
}

/** POST /api/CHANNEL as the studio's page does it. */
export function post(host: WebHost, channel: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return send(host, `/api/${channel}`, { method: 'POST', headers: { ...ownHeaders(host), ...headers }, body });
}
