// The notice stream (server-sent events) read with fetch(), so it can carry the Authorization
// header (EventSource cannot). After an error, the end of the stream or a server restart it
// reconnects with Last-Event-ID, so the server resends what was missed.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;
const STORE_KEY = "wellclear.lastEventId";

/**
 * @param {import("./api.js").Api} api
 * @param {{onEvent: (e: {id: string|null, type: string, data: string}) => void,
 *          onState: (state: "connecting"|"live"|"reconnecting"|"unauthorised") => void}} handlers
 * @returns {{close: () => void}}
 */
export function openNoticeStream(api, { onEvent, onState }) {
  const controller = new AbortController();
  let lastId = sessionStorage.getItem(STORE_KEY);
  let delay = MIN_DELAY_MS;
  let closed = false;

  async function connectOnce() {
    const headers = api.headers({ Accept: "text/event-stream" });
    if (lastId) headers["Last-Event-ID"] = lastId;
    const response = await fetch("/v1/notices/stream", { headers, signal: controller.signal, cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      onState("unauthorised");
      closed = true;
      return;
    }
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    onState("live");
    delay = MIN_DELAY_MS;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.feed(value)) {
        if (event.retry !== null) delay = Math.min(event.retry, MAX_DELAY_MS);
        if (event.id !== null) {
          lastId = event.id;
          sessionStorage.setItem(STORE_KEY, lastId);
        }
        if (event.data !== null) onEvent({ id: lastId, type: event.type, data: event.data });
      }
    }
  }

  (async () => {
    onState("connecting");
    while (!closed) {
      try {
        await connectOnce();
      } catch (error) {
        if (controller.signal.aborted) return;
      }
      if (closed) return;
      onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  })();

  return {
    close() {
      closed = true;
      controller.abort();
    },
  };
}

/** Forget where the stream was (on sign-out: another key's stream starts afresh). */
export function forgetStreamPosition() {
  sessionStorage.removeItem(STORE_KEY);
}

/**
 * The text/event-stream format (HTML's server-sent events): feed it text as it arrives; it
 * returns the events completed so far, each {type, data (null: no data lines), id (null: not
 * set), retry (ms or null)}.
 */
export class SseParser {
  constructor() {
    this.buffer = "";
    this.reset();
  }

  reset() {
    this.type = "";
    this.data = [];
    this.id = null;
    this.retry = null;
  }

  feed(text) {
    const events = [];
    let pending = this.buffer + text;
    // A \r at the end may be the first half of a \r\n: hold it until the next chunk.
    const held = pending.endsWith("\r") ? "\r" : "";
    if (held) pending = pending.slice(0, -1);
    const lines = pending.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() + held;
    for (const line of lines) {
      if (line === "") {
        if (this.data.length || this.id !== null || this.retry !== null) {
          events.push({
            type: this.type || "message",
            data: this.data.length ? this.data.join("\n") : null,
            id: this.id,
            retry: this.retry,
          });
        }
        this.reset();
        continue;
      }
      if (line.startsWith(":")) continue; // a comment: keep-alive
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") this.data.push(value);
      else if (field === "event") this.type = value;
      else if (field === "id" && !value.includes("\0")) this.id = value;
      else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    }
    return events;
  }
}
