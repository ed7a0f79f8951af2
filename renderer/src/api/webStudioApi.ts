import type { ArgsOf, Channel, ResultOf, StudioApi, StudioEvent } from '../../../engine/common/api/studioApi.js';
import { fromWire, toWire } from '../../../engine/common/api/wire.js';

const TOKEN_KEY = 'pastiche.token';

/**
 * The studio API over the local web host: requests as POST /api/CHANNEL, events from one WebSocket.
 * The token comes in the opened URL; it is kept for this tab and taken out of the address bar, so it
 * does not end up in bookmarks or screenshots.
 */
export function webStudioApi(): StudioApi {
  const token = takeToken();
  const listeners = new Set<(event: StudioEvent) => void>();
  connectEvents(token, listeners);
  return {
    async invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
      const headers = { 'content-type': 'application/json', 'x-pastiche-token': token };
      const response = await post(`/api/${channel}`, headers, toWire(args ?? null));
      const answer = fromWire<{ result?: ResultOf<C>; error?: string }>(await response.text());
      if (!response.ok) throw new Error(answer.error ?? `the studio answered ${response.status}`);
      return answer.result as ResultOf<C>;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    imageUrl: (imageId, maxSide) =>
      `/media/${imageId}?token=${encodeURIComponent(token)}${maxSide === undefined ? '' : `&maxSide=${maxSide}`}`,
  };
}

/** How often an upload the host is too busy for (503, two already under way) is tried again. */
const BUSY_RETRIES = 30;

/** POSTs `body`, waiting as long as the host's Retry-After says while it is busy with other uploads. */
async function post(path: string, headers: Record<string, string>, body: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, { method: 'POST', headers, body });
    const retryAfter = Number(response.headers.get('retry-after'));
    if (response.status !== 503 || attempt >= BUSY_RETRIES || !(retryAfter > 0)) return response;
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
  }
}

function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** One socket for all listeners, reopened after a second if the host restarts or the network blips. */
function connectEvents(token: string, listeners: Set<(event: StudioEvent) => void>): void {
  const socket = new WebSocket(`ws://${window.location.host}/events?token=${encodeURIComponent(token)}`);
  socket.onmessage = (message) => {
    const event = fromWire<StudioEvent>(String(message.data));
    listeners.forEach((listener) => listener(event));
  };
  socket.onclose = () => setTimeout(() => connectEvents(token, listeners), 1000);
}
