// Build DOM from data without innerHTML: text is always text, never markup.

/** h("p", {class: "x", onclick: fn}, "text", child) → element */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside ``element``. */
export function mount(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Load a view's own stylesheet once (views keep their CSS next to them in pwa/styles/). */
export function useStyles(href) {
  if (document.querySelector(`link[data-styles="${href}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href, dataset: { styles: href } }));
}
