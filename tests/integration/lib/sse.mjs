// sse.mjs: a Server-Sent Events reader for the integration tests, over
// fetch (as the console reads them), so a test can watch events arrive,
// cut the connection where it likes and resume with Last-Event-ID.
import { BASE } from './api.mjs';

// Parses "id:/event:/data:" blocks; comments (": ...") are counted apart.
export function parseBlocks(text) {
  const events = [];
  let comments = 0;
  for (const block of text.split('\n\n')) {
    if (!block) continue;
    const ev = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) { comments++; continue; }
      const i = line.indexOf(':');
      const field = line.slice(0, i);
      const value = line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') ev.id = Number(value);
      else if (field === 'event') ev.event = value;
      else if (field === 'data') ev.data = JSON.parse(value);
    }
    if (ev.event) events.push(ev);
  }
  return { events, comments };
}

export async function openStream(path, { key, lastEventId, base = BASE } = {}) {
  const controller = new AbortController();
  const headers = { accept: 'text/event-stream' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const res = await fetch(base + path, { headers, signal: controller.signal });
  const stream = {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    events: [],
    comments: 0,
    ended: false,
    waiters: [],
    close() { controller.abort(); },
    // Resolves when pred(events) holds (checked on every new event).
    until(pred, timeout = 20000) {
      if (pred(stream.events)) return Promise.resolve(stream.events);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; have ${JSON.stringify(stream.events.map((e) => [e.id, e.event]))}`)), timeout);
        stream.waiters.push({ pred, resolve: (v) => { clearTimeout(timer); resolve(v); }, reject });
      });
    },
  };
  if (res.status !== 200) {
    stream.body = await res.text();
    stream.done = Promise.resolve();
    return stream;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const notify = () => {
    stream.waiters = stream.waiters.filter((w) => {
      if (w.pred(stream.events)) { w.resolve(stream.events); return false; }
      if (stream.ended) { w.reject(new Error('stream ended')); return false; }
      return true;
    });
  };
  stream.done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        const cut = buf.lastIndexOf('\n\n');
        if (cut < 0) continue;
        const { events, comments } = parseBlocks(buf.slice(0, cut + 2));
        buf = buf.slice(cut + 2);
        stream.events.push(...events);
        stream.comments += comments;
        notify();
      }
    } catch (e) {
      if (e.name !== 'AbortError') throw e;
    } finally {
      stream.ended = true;
      notify();
    }
  })();
  return stream;
}

// Reads a whole (ending) stream.
export async function readStream(path, opts) {
  const s = await openStream(path, opts);
  await s.done;
  return s;
}
