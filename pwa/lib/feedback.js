// What a screen says when a call fails, shared by the views: the server's message for an action, a retry panel
// for data that could not load, and a form held busy while it waits.

import { h } from "./dom.js";
import { t } from "./i18n.js";

/** The message to show for a failed call: the server's own (translated) detail when it has one. */
export function problemMessage(error) {
  if (error?.status === 0) return t("signin.errors.offline");
  const detail = error?.problem?.detail;
  if (error?.status === 429) return detail || t("signin.errors.locked");
  return detail || t("common.error");
}

/** Why data could not be read: no network, or any other failure (a read shows no server detail). */
export function unavailableText(error) {
  return error?.status === 0 ? t("common.offline_unavailable") : t("common.error");
}

/** A panel saying the data could not be read, with a button to try again. */
export function failurePanel(error, retry) {
  return h(
    "div",
    { class: "panel" },
    h("p", { class: "error" }, unavailableText(error)),
    h("button", { type: "button", class: "secondary", onclick: retry }, t("common.retry")),
  );
}

/** Disable a form's controls while it waits for the server. */
export function setBusy(form, busy) {
  for (const control of form.querySelectorAll("button, input")) control.disabled = busy;
  form.setAttribute("aria-busy", String(busy));
}
