// The API client: every request carries the party's key; problems become ApiError.

/** A refused request: the HTTP status and the RFC 9457 problem body (when there is one). */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export class Api {
  /** @param {string} key an API key (wc_<key id>_<secret>) */
  constructor(key) {
    this.key = key;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.key}`, Accept: "application/json", ...extra };
  }

  /** One request; the parsed JSON body, or throws ApiError. */
  async request(method, path, { params, json, headers, signal } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(params || {})) {
      for (const one of Array.isArray(value) ? value : [value]) {
        if (one !== undefined && one !== null) url.searchParams.append(name, String(one));
      }
    }
    const init = { method, headers: this.headers(headers), signal, cache: "no-store" };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let body = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { detail: text.slice(0, 300) };
      }
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  /** Every item of a paginated list ({items, next_cursor}; a bare array is taken as is). */
  async all(path, params = {}, maxPages = 20) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < maxPages; page += 1) {
      const body = await this.request("GET", path, { params: { ...params, ...(cursor ? { cursor } : {}) } });
      if (Array.isArray(body)) return items.concat(body);
      items.push(...((body && body.items) || []));
      cursor = body && body.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  intents() { return this.all("/v1/intents", { limit: 500 }); }
  conflicts() { return this.all("/v1/conflicts", { limit: 500 }); }
  notices() { return this.all("/v1/notices", { limit: 500 }); }
  messages() { return this.all("/v1/hotline/messages", { limit: 500 }); }
  tracks() { return this.all("/v1/tracks", { limit: 500 }, 4); }
  alerts() { return this.all("/v1/alerts", { limit: 500 }, 4); }
  fileIntent(body) { return this.request("POST", "/v1/intents", { json: body }); }
  ack(noticeId) { return this.request("POST", `/v1/notices/${encodeURIComponent(noticeId)}/ack`); }
  send(message) { return this.request("POST", "/v1/hotline/messages", { json: message }); }
}

/** A one-line description of an error for the page. */
export function describe(error) {
  if (error instanceof ApiError) {
    const fields = (error.problem.errors || []).map((e) => `${e.path}: ${e.detail}`);
    return [`${error.status}: ${error.message}`, ...fields].join("\n");
  }
  return String((error && error.message) || error);
}
