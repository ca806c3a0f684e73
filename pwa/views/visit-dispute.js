// A visit's dispute, on the visits screen: its standing (under dispute, upheld, not upheld) and, while none is open,
// the "this wasn't me / this is wrong" form. Filed as an application of kind visit_dispute, one Idempotency-Key per
// form so a double tap files once; followed afterwards in #/applications.

import { api } from "../lib/api.js";
import { h, mount } from "../lib/dom.js";
import { problemMessage } from "../lib/feedback.js";
import { t } from "../lib/i18n.js";

const APPLICATIONS = "/api/v1/me/applications";
export const REASON_MAX = 2000; // the API's limit (applications/schemas.py DISPUTE_TEXT_MAX)
const TONE = { open: "warn", upheld: "ok", rejected: "" };

/** The badge of a visit's latest dispute, or null when it was never disputed. */
export function disputeBadge(status) {
  if (!status) return null;
  return h(
    "span",
    { class: `badge ${TONE[status] ?? ""} visit-dispute-status`.replace("  ", " "), dataset: { dispute: status } },
    t(`visits.dispute.status.${status}`),
  );
}

/** The dispute part of a visit: a note while one is open, else the form (in a closed <details>). */
export function disputeSection(visit, onFiled = () => {}) {
  const section = h("div", { class: "visit-dispute", dataset: { visitId: visit.id } });
  if (visit.under_dispute) {
    mount(section, h("p", { class: "muted visit-dispute-note" }, t("visits.dispute.open_note"), " ", followLink()));
    return section;
  }
  mount(section, disputeForm(visit, section, onFiled));
  return section;
}

function followLink(id) {
  return h("a", { href: id ? `#/applications/${id}` : "#/applications" }, t("visits.dispute.follow"));
}

function disputeForm(visit, section, onFiled) {
  const key = crypto.randomUUID();
  const formId = `dispute-${visit.id}`;
  const ground = (value) =>
    h(
      "label",
      { class: "visit-dispute-ground" },
      h("input", { type: "radio", name: "ground", value, required: true, checked: value === "not_me" }),
      t(`visits.dispute.ground.${value}`),
    );
  const reason = h("textarea", {
    name: "reason",
    id: `${formId}-reason`,
    rows: 3,
    required: true,
    maxlength: REASON_MAX,
    "aria-describedby": `${formId}-hint`,
  });
  const status = h("p", { role: "status", class: "visit-dispute-message" });
  const submit = h("button", { type: "submit", class: "danger" }, t("visits.dispute.submit"));
  const form = h(
    "form",
    { class: "visit-dispute-form", id: formId, novalidate: true },
    h("fieldset", {}, h("legend", {}, t("visits.dispute.ground_label")), ground("not_me"), ground("wrong")),
    h("label", { for: `${formId}-reason` }, t("visits.dispute.reason_label"), reason),
    h("p", { class: "muted", id: `${formId}-hint` }, t("visits.dispute.reason_hint", { max: REASON_MAX })),
    status,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      status.className = "error visit-dispute-message";
      status.setAttribute("role", "alert");
      status.textContent = t("visits.dispute.reason_missing");
      reason.focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      const filed = await api(APPLICATIONS, {
        method: "POST",
        headers: { "Idempotency-Key": key },
        body: { kind: "visit_dispute", details: { visit_id: visit.id, ground: form.elements.ground.value, reason: text } },
      });
      const done = h(
        "p",
        { class: "ok visit-dispute-filed", role: "status", tabindex: "-1" },
        t("visits.dispute.filed", { reference: filed.reference }),
        " ",
        followLink(filed.id),
      );
      mount(section, done);
      done.focus();
      onFiled(filed);
    } catch (error) {
      status.className = "error visit-dispute-message";
      status.setAttribute("role", "alert");
      status.textContent = problemMessage(error);
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
  });
  return h("details", { class: "visit-dispute-details" }, h("summary", {}, t("visits.dispute.open_form")), form);
}
