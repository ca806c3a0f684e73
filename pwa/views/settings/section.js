// What every settings section shares: its panel with a heading, and the text for a code the server sends.

import { h } from "../../lib/dom.js";
import { t } from "../../lib/i18n.js";

/** A text for a known code (``settings.events.sign_in``), else the code itself. */
export function label(prefix, code) {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? code : text;
}

/** A settings panel labelled by its own heading. */
export function section(id, title, ...children) {
  return h(
    "section",
    { class: "panel settings-section", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    ...children,
  );
}
