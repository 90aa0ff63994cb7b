// The service's HTTP/JSON API with the signed-in token. The token lives in
// sessionStorage only (gone when the tab closes) and travels only in the
// Authorization header, never in a URL.

const KEY = "leadscore.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

// An API error: its HTTP status and the service's message.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(extra) {
  const h = { Accept: "application/json", ...extra };
  const t = token.get();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

// Calls `method path` with `body` (an object, sent as JSON); the answer's JSON.
export async function call(method, path, body) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}) };
  if (body) init.body = JSON.stringify(body);
  const r = await fetch(path, init);
  const text = await r.text();
  const json = text ? JSON.parse(text) : {};
  if (!r.ok) throw new ApiError(r.status, json.message || `${r.status} ${r.statusText}`);
  return json;
}

// A query string from `params` (arrays repeat the name; empty values are left out).
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one !== "" && one !== undefined && one !== null && one !== false) q.append(k, String(one));
    }
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}

// Follows the stage-change stream (Server-Sent Events over fetch, so the
// token goes in a header: EventSource cannot send one) from the changes
// recorded after the call, and calls `onChange` with each change. Each
// time the stream is open it calls `onChange(null)`: the caller re-reads
// what it shows, so nothing recorded before the stream began is missed.
// When the stream breaks it resumes after the last cursor it saw; `signal`
// stops it.
export async function watchChanges(onChange, signal) {
  let cursor = null;
  while (!signal.aborted) {
    const from = cursor ? `afterCursor=${encodeURIComponent(cursor)}` : "fromNewest=true";
    try {
      const r = await fetch(`/v1/stageChanges:watch?${from}`, {
        headers: headers({ Accept: "text/event-stream" }), signal,
      });
      if (!r.ok || !r.body) throw new ApiError(r.status, "the change stream was refused");
      onChange(null);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      read: for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = event.split("\n");
          const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
          // `event: error` ends the stream (e.g. ABORTED, behind): resume.
          if (lines.includes("event: error")) break read;
          if (!data) continue;
          const change = JSON.parse(data);
          if (change.cursor) cursor = change.cursor;
          onChange(change);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return;
    }
    // A broken stream is re-opened after a pause (not a busy loop).
    await new Promise((done) => setTimeout(done, 2000));
  }
}
