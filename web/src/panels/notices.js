// The notices panel: unacknowledged first, newest first; one-click acknowledge; escalations
// marked. Notices arrive from GET /v1/notices and from the live stream.
import { h, replaceChildren } from "../dom.js";
import { shortTime } from "../geo.js";

/** Whether a stream event's data is a notice (the stream may also carry other events). */
export function asNotice(data) {
  if (!data || typeof data !== "object") return null;
  const notice = data.notice && typeof data.notice === "object" ? data.notice : data;
  return notice.id !== undefined && notice.kind && notice.subject !== undefined ? notice : null;
}

function order(a, b) {
  const acked = Number(Boolean(a.acked_at)) - Number(Boolean(b.acked_at));
  if (acked) return acked;
  const time = Date.parse(b.created_at || 0) - Date.parse(a.created_at || 0);
  return time || Number(b.id) - Number(a.id);
}

function summary(notice) {
  const p = notice.payload || {};
  for (const key of ["summary", "detail", "reason", "message", "body"]) {
    if (typeof p[key] === "string" && p[key]) return p[key];
  }
  const parts = [];
  if (Array.isArray(p.tracks) && p.tracks.length) {
    const names = p.tracks.map((t) => t.callsign || `${t.party}'s ${t.id ? `track ${t.id}` : "track"}`);
    parts.push(`${p.kind || "alert"}: ${names.join(" × ")}`);
    if (p.intent && p.intent.kind) parts.push(`${p.intent.party ? `${p.intent.party}'s ` : ""}${p.intent.kind}`);
    if (typeof p.dcpa_m === "number") parts.push(`closest ${Math.round(p.dcpa_m)} m${typeof p.tcpa_s === "number" ? ` in ${Math.round(p.tcpa_s)} s` : ""}`);
    if (p.los) parts.push("loss of separation");
    if (p.closed_at) parts.push("closed");
    return parts.join(", ");
  }
  if (p.counterparty) parts.push(`with ${p.counterparty}`);
  if (Array.isArray(p.kinds)) parts.push(p.kinds.join(" × "));
  if (p.mode) parts.push(p.mode);
  if (p.must_act === true) parts.push("you must act");
  if (Array.isArray(p.callsigns)) parts.push(p.callsigns.join(" / "));
  if (p.from) parts.push(`from ${p.from}`);
  if (parts.length) return parts.join(", ");
  const text = JSON.stringify(p);
  return text === "{}" ? "" : text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** Where a notice is about, as a GeoJSON geometry: a conflict's region, an alert's tracks. */
function where(notice) {
  const p = notice.payload || {};
  if (p.region && p.region.footprint) return p.region.footprint;
  const points = (Array.isArray(p.tracks) ? p.tracks : [])
    .filter((t) => typeof t.lat === "number" && typeof t.lon === "number")
    .map((t) => [t.lon, t.lat]);
  return points.length ? { type: "MultiPoint", coordinates: points } : null;
}

export class NoticesPanel {
  /**
   * @param {{list: HTMLElement, count: HTMLElement, onAck: (id) => Promise<object|null>,
   *          onShow: (geometry: object) => void}} options
   */
  constructor({ list, count, onAck, onShow }) {
    this.list = list;
    this.count = count;
    this.onAck = onAck;
    this.onShow = onShow;
    this.notices = new Map();
    this.errors = new Map();
  }

  replaceAll(notices) {
    this.notices = new Map(notices.map((n) => [String(n.id), n]));
    this.render();
  }

  upsert(notice) {
    const key = String(notice.id);
    const known = this.notices.get(key);
    // A stream may replay an older version of a notice we already have a newer one of.
    if (known && known.updated_at && notice.updated_at && Date.parse(notice.updated_at) < Date.parse(known.updated_at)) return;
    this.notices.set(key, { ...known, ...notice });
    this.render();
  }

  async acknowledge(notice, button) {
    button.disabled = true;
    this.errors.delete(String(notice.id));
    try {
      const answer = await this.onAck(notice.id);
      this.upsert(answer && answer.id !== undefined ? answer : { ...notice, acked_at: new Date().toISOString() });
    } catch (error) {
      this.errors.set(String(notice.id), String(error.message || error));
      this.render();
    }
  }

  render() {
    const notices = [...this.notices.values()].sort(order);
    const open = notices.filter((n) => !n.acked_at).length;
    this.count.textContent = open ? String(open) : "";
    this.count.setAttribute("aria-label", `${open} unacknowledged`);
    if (!notices.length) {
      replaceChildren(this.list, [h("li", { class: "empty" }, "No notices.")]);
      return;
    }
    replaceChildren(
      this.list,
      notices.map((n) => {
        const label = `${n.kind} ${n.subject}`;
        const error = this.errors.get(String(n.id));
        return h(
          "li",
          {
            class: ["notice", n.acked_at ? "acked" : "unacked", n.escalated ? "escalated" : "", n.closed ? "closed" : ""].join(" "),
            dataset: { noticeId: String(n.id), kind: n.kind },
          },
          h(
            "div",
            { class: "notice-head" },
            h("span", { class: `tag kind-${n.kind}` }, n.kind),
            n.level ? h("span", { class: `tag level level-${n.level}` }, n.level) : null,
            n.escalated ? h("span", { class: "tag escalated-mark", title: "Not acknowledged in time: escalated" }, "⚠ escalated") : null,
            n.closed ? h("span", { class: "tag" }, "closed") : null,
            h("span", { class: "subject" }, n.subject),
          ),
          h("p", { class: "summary" }, summary(n)),
          h(
            "p",
            { class: "meta" },
            `${shortTime(n.created_at)}`,
            n.updated_at && n.updated_at !== n.created_at ? ` · updated ${shortTime(n.updated_at)}` : "",
            n.deadline_at && !n.acked_at ? ` · acknowledge by ${shortTime(n.deadline_at)}` : "",
          ),
          h(
            "div",
            { class: "actions" },
            n.acked_at
              ? h("p", { class: "meta acked-by" }, `Acknowledged${n.acked_by ? ` by ${n.acked_by}` : ""} ${shortTime(n.acked_at)}`)
              : h(
                  "button",
                  {
                    type: "button",
                    class: "ack",
                    "aria-label": `Acknowledge ${label}`,
                    dataset: { focusKey: `ack-${n.id}` },
                    onclick: (event) => this.acknowledge(n, event.currentTarget),
                  },
                  "Acknowledge",
                ),
            where(n)
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "link",
                    "aria-label": `Show ${label} on the map`,
                    dataset: { focusKey: `show-${n.id}` },
                    onclick: () => this.onShow(where(n)),
                  },
                  "Show on map",
                )
              : null,
          ),
          error ? h("p", { class: "error", role: "alert" }, error) : null,
        );
      }),
    );
  }
}
