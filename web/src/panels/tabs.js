// The panels' tab list: click or Enter/Space to choose, arrow keys / Home / End to move.
import { $ } from "../dom.js";

export function setUpTabs(tablist) {
  const tabs = [...tablist.querySelectorAll('[role="tab"]')];
  function select(tab, focus = true) {
    for (const other of tabs) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      other.tabIndex = chosen ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !chosen;
    }
    if (focus) tab.focus();
  }
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(tabs[(moves[event.key] + tabs.length) % tabs.length]);
    });
  });
  return { select: (id) => select($(id), false) };
}
