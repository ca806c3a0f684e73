// Applications · the list: newest first with status chips, more on demand, and the way to file a new one.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { formatDate, t } from "../../lib/i18n.js";
import { BASE, chip, stillOn } from "./common.js";

const PAGE = 20;

export async function renderList(root) {
  const list = h("ul", { class: "list app-list", id: "applications-list" });
  const status = h("p", { role: "status", class: "muted" });
  const more = h("button", { type: "button", class: "secondary", id: "applications-more", hidden: true }, t("applications.more"));
  let offset = 0;

  async function load() {
    let page;
    try {
      page = await api(`${BASE}?limit=${PAGE}&offset=${offset}`);
    } catch (error) {
      status.className = "error";
      status.setAttribute("role", "alert");
      status.textContent = problemMessage(error);
      return;
    }
    if (!stillOn("#/applications")) return;
    if (offset === 0 && !page.items.length) mount(list, h("li", { class: "muted" }, t("applications.none")));
    else list.append(...page.items.map(row));
    offset = page.offset + page.items.length;
    status.textContent = page.total ? t("applications.count", { count: page.total }) : "";
    more.hidden = offset >= page.total;
  }

  more.addEventListener("click", load);
  mount(
    root,
    h(
      "div",
      { class: "services-view" },
      h("h1", {}, t("applications.title")),
      h("p", { class: "muted" }, t("applications.intro")),
      h("p", {}, h("a", { class: "button", href: "#/applications/new", id: "applications-new" }, t("applications.new"))),
      status,
      list,
      more,
    ),
  );
  await load();
}

function row(item) {
  return h(
    "li",
    { class: "app-row", dataset: { applicationId: item.id, status: item.status } },
    h(
      "a",
      { href: `#/applications/${item.id}`, class: "app-row-link" },
      h("span", { class: "app-row-title" }, t(`applications.kind.${item.kind}`)),
      h("span", { class: "muted app-row-meta" }, t("applications.reference_short", { reference: item.reference }), " · ", formatDate(item.created_at)),
    ),
    chip(item.status, item.kind),
  );
}
