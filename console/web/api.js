// The console page's link to its server: the bearer token (kept for this browser tab only), JSON
// requests, and the server-sent-events stream read with fetch so the token travels in a header.

const KEY = 'semamesh-console-token';

/** Takes a token handed over in the URL fragment (never sent to a server) and forgets the fragment. */
export function adoptTokenFromUrl() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export const getToken = () => sessionStorage.getItem(KEY) ?? '';
export const setToken = (t) => sessionStorage.setItem(KEY, t);
export const clearToken = () => sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function failure(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, body.code ?? `HTTP ${res.status}`, body.message ?? res.statusText);
}

export async function request(method, path) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${getToken()}`, accept: 'application/json' },
  });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/**
 * Follows the event stream until `signal` aborts, calling onSnapshot for each snapshot event.
 * Resolves when the stream ends; rejects with ApiError on 401/403 and other failures.
 */
export async function follow(onSnapshot, signal) {
  const res = await fetch('/console/api/events', {
    headers: { authorization: `Bearer ${getToken()}`, accept: 'text/event-stream' },
    signal,
  });
  if (!res.ok) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (event === 'snapshot' && data.length > 0) onSnapshot(JSON.parse(data.join('\n')));
    }
  }
}
