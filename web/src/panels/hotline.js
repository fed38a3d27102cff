// The hotline: messages grouped into threads (one per pair of parties), oldest first, and a
// compose box. GET/POST /v1/hotline/messages.
import { $, h, replaceChildren } from "../dom.js";
import { shortTime } from "../geo.js";

const ALL = "*";

function threadKey(m) {
  return [m.from, m.to].sort().join(" ↔ ");
}

export class HotlinePanel {
  /** @param {{onSend: (message) => Promise<object>, me: () => string|null}} options */
  constructor({ onSend, me }) {
    this.onSend = onSend;
    this.me = me;
    this.messages = [];
    this.select = $("thread-select");
    this.thread = $("thread");
    this.count = $("message-count");
    this.select.addEventListener("change", () => {
      this.renderThread();
      const [a, b] = this.select.value === ALL ? [] : this.select.value.split(" ↔ ");
      const me = this.me();
      if (a && me) $("compose-to").value = a === me ? b : a;
    });
    $("compose").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
  }

  setKnownParties(names) {
    replaceChildren($("known-parties"), [...names].sort().map((name) => h("option", { value: name })));
  }

  replaceAll(messages) {
    this.messages = [...messages].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
    this.render();
  }

  upsert(message) {
    this.replaceAll([...this.messages.filter((m) => m.id !== message.id), message]);
  }

  render() {
    const keys = [...new Set(this.messages.map(threadKey))].sort();
    const chosen = this.select.value || (keys.length ? keys[0] : ALL);
    replaceChildren(this.select, [
      h("option", { value: ALL }, `All messages (${this.messages.length})`),
      ...keys.map((key) =>
        h("option", { value: key }, `${key} (${this.messages.filter((m) => threadKey(m) === key).length})`),
      ),
    ]);
    this.select.value = keys.includes(chosen) || chosen === ALL ? chosen : ALL;
    const me = this.me();
    const unread = this.messages.filter((m) => !m.read_at && (!me || m.to === me)).length;
    this.count.textContent = unread ? String(unread) : "";
    this.count.setAttribute("aria-label", `${unread} unread`);
    this.renderThread();
  }

  renderThread() {
    const key = this.select.value;
    const shown = this.messages.filter((m) => key === ALL || threadKey(m) === key);
    const me = this.me();
    replaceChildren(
      this.thread,
      shown.length
        ? shown.map((m) =>
            h(
              "li",
              { class: `message ${me && m.from === me ? "mine" : "theirs"} ${m.read_at ? "read" : "unread"}`, dataset: { messageId: String(m.id) } },
              h("p", { class: "meta" }, `${m.from} → ${m.to} · ${shortTime(m.created_at)}`, m.regarding ? ` · re ${m.regarding}` : ""),
              h("p", { class: "body" }, m.body),
            ),
          )
        : [h("li", { class: "empty" }, "No messages yet.")],
    );
    this.thread.scrollTop = this.thread.scrollHeight;
  }

  async send() {
    const status = $("compose-status");
    const message = { to: $("compose-to").value.trim(), body: $("compose-body").value };
    const regarding = $("compose-regarding").value.trim();
    if (regarding) message.regarding = regarding;
    status.textContent = "Sending…";
    try {
      const sent = await this.onSend(message);
      if (sent && sent.id !== undefined) this.upsert(sent);
      $("compose-body").value = "";
      status.textContent = `Sent to ${message.to}.`;
    } catch (error) {
      status.textContent = `Not sent: ${error.message || error}`;
    }
  }
}
