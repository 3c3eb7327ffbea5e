// api.js: the console's only way to the server: the public API with the
// key from sessionStorage, and Server-Sent Events read with fetch (an
// EventSource cannot send the Authorization header).

const KEY_ITEM = 'acloud.key';

export const key = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  set: (k) => sessionStorage.setItem(KEY_ITEM, k),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

// An error as the server words it: `detail` text, or the 422 items.
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body?.detail;
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
    this.status = status;
    this.items = Array.isArray(detail) ? detail : null;
  }
}

export async function call(method, path, body) {
  const headers = { authorization: `Bearer ${key.get()}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('content-type') ?? '';
  const parsed = type.startsWith('application/json') ? await res.json()
    : res.status === 204 ? null : await res.arrayBuffer();
  if (!res.ok) throw new ApiError(res.status, parsed);
  return { data: parsed, headers: res.headers };
}

// Reads an event stream; calls onEvent({id, event, data}) for each event.
// Reconnects with Last-Event-ID after a drop unless the stream ended
// (`end`) or stop() was called.  onStatus(text) reports the connection.
export function stream(path, { onEvent, onStatus = () => {}, onError = () => {} }) {
  let lastId;
  let stopped = false;
  let controller;

  const parse = (block) => {
    const ev = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = line.slice(0, i);
      const value = line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') ev.id = value;
      else if (field === 'event') ev.event = value;
      else if (field === 'data') ev.data = JSON.parse(value);
    }
    return ev.event ? ev : null;
  };

  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      const headers = { authorization: `Bearer ${key.get()}`, accept: 'text/event-stream' };
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      let ended = false;
      try {
        const res = await fetch(path, { headers, signal: controller.signal });
        if (!res.ok) {
          const body = await res.json().catch(() => null);
          onError(new ApiError(res.status, body));
          return;
        }
        onStatus('live');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const ev = parse(buf.slice(0, cut));
            buf = buf.slice(cut + 2);
            if (!ev) continue;
            if (ev.id !== undefined) lastId = ev.id;
            if (ev.event === 'end') ended = true;
            onEvent(ev);
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      if (ended) return;
      onStatus('reconnecting');
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  run();
  return { stop() { stopped = true; controller?.abort(); } };
}
