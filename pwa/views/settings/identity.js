// Settings · identity verification: the assurance level, how to raise it, the chip verifications.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { formatDateTime, t } from "../../lib/i18n.js";
import { label, section } from "./section.js";

const CHIP_HISTORY = 5;

/** Whether this browser has Web NFC at all (Chrome on Android); it still cannot open an ID card's chip. */
function hasWebNfc() {
  return "NDEFReader" in window;
}

/** "Card ending 1234" from "1234" or the events log's "…1234". */
function documentText(digits) {
  const last = String(digits ?? "").replace(/^…/, "");
  return last ? t("settings.identity.document", { digits: last }) : null;
}

/** Purpose, outcome, failed check and card digits of a chip verification, as one line. */
export function chipSummary({ purpose, outcome, failed_check: failedCheck, document }) {
  return [
    purpose ? label("settings.identity.purpose", purpose) : null,
    outcome ? label("settings.identity.outcome", outcome) : null,
    failedCheck
      ? t("settings.identity.failed_at", { check: label("settings.identity.checks", failedCheck) })
      : null,
    documentText(document),
  ]
    .filter(Boolean)
    .join(" · ");
}

export function identitySection(profile) {
  const level = h("p", { id: "assurance-level", class: "assurance-level" });
  const allows = h("p", { id: "assurance-allows" });
  const history = h("ul", { class: "list settings-list", id: "chip-history" });
  const error = h("p", { class: "error form-error", role: "alert" });
  // Said plainly: no browser API reaches the chip, so there is no button that would pretend to scan it.
  const browserNote = h(
    "div",
    { class: "notice chip-browser-note", id: "chip-browser-note" },
    h("h3", {}, t("settings.identity.browser_title")),
    h("p", {}, hasWebNfc() ? t("settings.identity.browser_web_nfc") : t("settings.identity.browser_no_nfc")),
  );
  const raise = h(
    "div",
    { id: "assurance-raise" },
    h("h3", {}, t("settings.identity.raise_title")),
    h(
      "ol",
      { class: "chip-ways" },
      h("li", {}, t("settings.identity.raise_app")),
      h("li", {}, t("settings.identity.raise_counter")),
    ),
    h("p", { class: "muted" }, t("settings.identity.raise_checks")),
  );

  async function loadHistory() {
    let page;
    try {
      page = await api(`/api/v1/me/chip-id/verifications?limit=${CHIP_HISTORY}&offset=0`);
    } catch (failure) {
      error.textContent = problemMessage(failure);
      return;
    }
    if (!page.items.length) {
      mount(history, h("li", { class: "muted" }, t("settings.identity.history_none")));
      return;
    }
    mount(
      history,
      page.items.map((item) =>
        h(
          "li",
          { class: "settings-item", dataset: { outcome: item.outcome } },
          h(
            "div",
            { class: "item-text" },
            h(
              "strong",
              {},
              label("settings.identity.purpose", item.purpose),
              h(
                "span",
                { class: `badge ${item.outcome === "passed" ? "ok" : "bad"}` },
                label("settings.identity.outcome", item.outcome),
              ),
            ),
            h("time", { datetime: item.created_at, class: "muted" }, formatDateTime(item.created_at)),
            item.failed_check
              ? h(
                  "span",
                  {},
                  t("settings.identity.failed_at", { check: label("settings.identity.checks", item.failed_check) }),
                )
              : null,
            item.document_last_digits ? h("span", { class: "muted" }, documentText(item.document_last_digits)) : null,
          ),
        ),
      ),
    );
  }

  profile.then(
    (me) => {
      const verified = me.assurance_level === "chip_verified";
      level.dataset.level = me.assurance_level;
      mount(
        level,
        h("span", {}, t("settings.identity.level_label")),
        " ",
        h("span", { class: `badge ${verified ? "ok" : "warn"}` }, label("settings.identity.levels", me.assurance_level)),
      );
      allows.textContent = verified ? t("settings.identity.allows_chip") : t("settings.identity.allows_basic");
      raise.hidden = verified;
      if (me.role === "citizen") loadHistory();
      else history.hidden = true;
    },
    (failure) => {
      error.textContent = problemMessage(failure);
    },
  );

  const element = section(
    "settings-identity",
    t("settings.identity.title"),
    level,
    allows,
    raise,
    browserNote,
    h("h3", {}, t("settings.identity.history_title")),
    history,
    error,
  );
  // The step-up panel's "how to verify the chip" button moves focus here.
  element.querySelector("h2").setAttribute("tabindex", "-1");
  return element;
}
