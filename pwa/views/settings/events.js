// Settings · security events: sign-ins, changes and chip checks on the account, newest first, a page at a time.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { formatDateTime, t } from "../../lib/i18n.js";
import { deviceName } from "./devices.js";
import { chipSummary } from "./identity.js";
import { label, section } from "./section.js";

const EVENTS_PAGE = 10;

/** The detail worth showing for an event kind (chip checks, which contact changed), else null. */
function eventDetail(event) {
  const detail = event.detail ?? {};
  if (event.kind === "chip_verified" || event.kind === "chip_verification_failed") return chipSummary(detail);
  if (event.kind === "contact_changed" && detail.field) return label("settings.contact", detail.field);
  return null;
}

export function eventSection(reloads) {
  const list = h("ul", { class: "list settings-list", id: "event-list" });
  const summary = h("p", { class: "muted", id: "event-range", "aria-live": "polite" });
  const error = h("p", { class: "error form-error", role: "alert" });
  let offset = 0;
  let total = 0;
  const newer = h(
    "button",
    { type: "button", class: "secondary", id: "events-newer", onclick: () => load(Math.max(0, offset - EVENTS_PAGE)) },
    t("settings.events_newer"),
  );
  const older = h(
    "button",
    { type: "button", class: "secondary", id: "events-older", onclick: () => load(offset + EVENTS_PAGE) },
    t("settings.events_older"),
  );

  async function load(at = 0) {
    let page;
    try {
      page = await api(`/api/v1/me/security-events?limit=${EVENTS_PAGE}&offset=${at}`);
    } catch (failure) {
      error.textContent = problemMessage(failure);
      return;
    }
    error.textContent = "";
    offset = page.offset;
    total = page.total;
    if (!page.items.length) mount(list, h("li", { class: "muted" }, t("settings.events_none")));
    else
      mount(
        list,
        page.items.map((event) =>
          h(
            "li",
            { class: "settings-item event", dataset: { kind: event.kind } },
            h(
              "div",
              { class: "item-text" },
              h("strong", {}, label("settings.events", event.kind)),
              eventDetail(event) ? h("span", { class: "event-detail" }, eventDetail(event)) : null,
              h("time", { datetime: event.created_at, class: "muted" }, formatDateTime(event.created_at)),
              event.user_agent || event.ip
                ? h("span", { class: "muted" }, [deviceName(event.user_agent), event.ip].filter(Boolean).join(" · "))
                : null,
            ),
          ),
        ),
      );
    summary.textContent = total
      ? t("settings.events_range", { from: offset + 1, to: offset + page.items.length, total })
      : "";
    newer.disabled = offset === 0;
    older.disabled = offset + page.items.length >= total;
    pager.hidden = total <= EVENTS_PAGE;
  }

  const pager = h("div", { class: "actions pager", hidden: true }, newer, older);
  load();
  reloads.add(() => load(0));
  return section(
    "settings-events",
    t("settings.events_title"),
    h("p", { class: "muted" }, t("settings.events_intro")),
    summary,
    list,
    error,
    pager,
  );
}
