// Tiny DOM helpers: elements are built with textContent, never innerHTML (server text is data).

/** h("li", {class: "x", "aria-label": "…", onclick: f}, child, "text", …) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const $ = (id) => document.getElementById(id);

/** Replace an element's children, keeping the focused element's place if it is re-rendered. */
export function replaceChildren(parent, children) {
  const focused = document.activeElement;
  const focusKey = focused && parent.contains(focused) ? focused.dataset.focusKey : null;
  parent.replaceChildren(...children);
  if (focusKey) {
    const again = parent.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus();
  }
}
