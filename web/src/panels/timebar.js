// The time filter: a day and a time of day (UTC); when on, only intents in force then show.
import { $ } from "../dom.js";

const pad = (n) => String(n).padStart(2, "0");

export class TimeBar {
  /** @param {(t: number|null) => void} onChange  the moment (ms) or null for "all times" */
  constructor(onChange) {
    this.onChange = onChange;
    this.on = $("time-on");
    this.day = $("time-day");
    this.slider = $("time-slider");
    this.label = $("time-label");
    this.day.value = new Date().toISOString().slice(0, 10);
    this.on.addEventListener("change", () => this.changed());
    this.day.addEventListener("change", () => this.changed(true));
    this.slider.addEventListener("input", () => this.changed(true));
    $("time-now").addEventListener("click", () => this.setNow());
    this.changed();
  }

  setNow() {
    const now = new Date();
    this.day.value = now.toISOString().slice(0, 10);
    this.slider.value = String(Math.floor((now.getUTCHours() * 60 + now.getUTCMinutes()) / 5) * 5);
    this.changed(true);
  }

  moment() {
    if (!this.on.checked || !this.day.value) return null;
    return Date.parse(`${this.day.value}T00:00:00Z`) + Number(this.slider.value) * 60_000;
  }

  changed(turnOn = false) {
    if (turnOn) this.on.checked = true;
    const minutes = Number(this.slider.value);
    const text = `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)} UTC`;
    this.label.textContent = this.on.checked ? text : "all times";
    this.slider.setAttribute("aria-valuetext", `${this.day.value} ${text}`);
    this.onChange(this.moment());
  }
}
