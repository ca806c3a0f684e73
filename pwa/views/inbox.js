// The inbox (hộp thư): notifications newest first, unread ones marked; a tap marks one read and opens its screen.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { problemMessage } from "../lib/feedback.js";
import { currentLanguage, formatDateTime, t } from "../lib/i18n.js";

const BASE = "/api/v1/me/notifications";
const PAGE = 20;

/** The unread count for the home badge; null when it cannot be known (offline, error). */
export async function unreadCount() {
  try {
    const page = await api(`${BASE}?unread_only=true&limit=1&offset=0&lang=${currentLanguage()}`);
    return page.unread ?? page.total ?? 0;
  } catch {
    return null;
  }
}

/** Only the app's own routes are followed from a notification. */
function appLink(link) {
  return typeof link === "string" && link.startsWith("#/") ? link : null;
}

export async function render(root) {
  useStyles("/pwa/styles/services.css");
  const list = h("ul", { class: "list inbox-list", id: "inbox-list" });
  const summary = h("p", { class: "muted", id: "inbox-summary", role: "status" });
  const error = h("p", { class: "error form-error", role: "alert" });
  const more = h("button", { type: "button", class: "secondary", id: "inbox-more", hidden: true }, t("inbox.more"));
  const markAll = h("button", { type: "button", class: "secondary", id: "inbox-read-all", hidden: true }, t("inbox.read_all"));
  let offset = 0;
  let unread = 0;

  const showSummary = () => {
    summary.textContent = unread ? t("inbox.unread", { count: unread }) : t("inbox.all_read");
    markAll.hidden = unread === 0;
  };

  async function load({ append = false } = {}) {
    let page;
    try {
      page = await api(`${BASE}?unread_only=false&limit=${PAGE}&offset=${append ? offset : 0}&lang=${currentLanguage()}`);
    } catch (failure) {
      error.textContent = problemMessage(failure);
      return;
    }
    if (!location.hash.startsWith("#/inbox")) return;
    error.textContent = "";
    if (!append) list.replaceChildren();
    if (!page.items.length && !append) list.append(h("li", { class: "muted" }, t("inbox.none")));
    list.append(...page.items.map(item));
    offset = page.offset + page.items.length;
    unread = page.unread ?? 0;
    more.hidden = offset >= page.total;
    showSummary();
  }

  function markedRead(element) {
    element.classList.remove("inbox-unread");
    element.dataset.read = "true";
    element.querySelector(".inbox-dot")?.remove();
    element.querySelector(".inbox-new")?.remove();
  }

  function item(n) {
    const link = appLink(n.link);
    const isUnread = !n.read_at;
    const content = [
      h(
        "span",
        { class: "inbox-head" },
        isUnread ? h("span", { class: "inbox-dot", "aria-hidden": "true" }) : null,
        h("strong", { class: "inbox-title" }, n.title),
        isUnread ? h("span", { class: "badge warn inbox-new" }, t("inbox.new")) : null,
      ),
      h("span", { class: "inbox-body" }, n.body),
      h("time", { class: "muted inbox-time", datetime: n.created_at }, formatDateTime(n.created_at)),
    ];
    const element = h("li", { class: `inbox-item${isUnread ? " inbox-unread" : ""}`, dataset: { notificationId: n.id, read: String(!isUnread) } });
    const open = async (event) => {
      event.preventDefault();
      if (!n.read_at) {
        try {
          const updated = await api(`${BASE}/${encodeURIComponent(n.id)}/read?lang=${currentLanguage()}`, { method: "POST" });
          n.read_at = updated.read_at ?? new Date().toISOString();
          markedRead(element);
          unread = Math.max(0, unread - 1);
          showSummary();
        } catch (failure) {
          error.textContent = problemMessage(failure);
          return;
        }
      }
      if (link) location.hash = link;
    };
    // A link when it leads somewhere, a button when tapping only marks it read: the right role for each.
    element.append(
      link
        ? h("a", { href: link, class: "inbox-open", onclick: open }, content)
        : h("button", { type: "button", class: "inbox-open inbox-plain", onclick: open }, content),
    );
    return element;
  }

  markAll.addEventListener("click", async () => {
    markAll.disabled = true;
    try {
      const result = await api(`${BASE}/read-all`, { method: "POST" });
      await load();
      summary.textContent = t("inbox.marked", { count: result.marked });
    } catch (failure) {
      error.textContent = problemMessage(failure);
    } finally {
      markAll.disabled = false;
    }
  });
  more.addEventListener("click", () => load({ append: true }));

  mount(
    root,
    h(
      "div",
      { class: "services-view inbox-view" },
      h("h1", {}, t("inbox.title")),
      h("div", { class: "inbox-bar" }, summary, markAll),
      error,
      list,
      more,
      h("p", { class: "muted app-small" }, h("a", { href: "#/settings" }, t("inbox.settings_link"))),
    ),
  );
  await load();
}
