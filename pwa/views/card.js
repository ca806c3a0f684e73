// Placeholder: being written.
import { h, mount } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

export async function render(root) {
  mount(root, h("h1", {}, t("nav.card")));
}
