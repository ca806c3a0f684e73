// Applications · one application: what was asked, its status and dates, its timeline, and withdrawing it.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { formatDate, formatDateTime, formatMoney, formatMonth, t } from "../../lib/i18n.js";
import { BASE, chip, statusLabel, stillOn, takeFiled } from "./common.js";

// The way an application normally goes; rejected and withdrawn end it early. A visit dispute (filed from the visits
// screen) has no "approved" stage: it is upheld (done) or rejected.
const FLOW = ["submitted", "in_review", "approved", "done"];
const DISPUTE_FLOW = ["submitted", "in_review", "done"];

/** The steps to draw: those reached (from the timeline), then the ones still ahead on the normal way. */
export function timelineSteps(view) {
  const reached = [...(view.timeline ?? [])].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  const steps = reached.map((step, index) => ({ ...step, state: index === reached.length - 1 ? "current" : "done" }));
  const flow = view.kind === "visit_dispute" ? DISPUTE_FLOW : FLOW;
  const position = flow.indexOf(view.status);
  if (position >= 0) for (const status of flow.slice(position + 1)) steps.push({ status, at: null, note: null, state: "upcoming" });
  return steps;
}

/** The rows (dt, dd) saying what was asked for, in the kind's own words. */
function detailRows(view) {
  const d = view.details ?? {};
  const rows = [];
  const add = (label, value) => {
    if (value !== undefined && value !== null && value !== "") rows.push(h("dt", {}, label), h("dd", {}, value));
  };
  if (view.kind === "card_reissue") {
    add(t("applications.reason_label"), d.reason ? t(`applications.reason.${d.reason}`) : null);
    add(t("applications.note_label"), d.note);
  } else if (view.kind === "facility_change") {
    add(t("applications.facility"), d.facility_name ? `${d.facility_code} — ${d.facility_name}` : d.facility_code);
  } else if (view.kind === "info_correction") {
    const changes = d.changes ?? {};
    for (const name of ["full_name", "date_of_birth", "sex", "address"]) {
      if (!(name in changes)) continue;
      let value = changes[name];
      if (name === "date_of_birth") value = formatDate(value);
      if (name === "sex") value = t(value === "M" ? "applications.sex_m" : "applications.sex_f");
      add(t(`applications.field.${name}`), value);
    }
    add(t("applications.note_label"), d.note);
  } else if (view.kind === "voluntary_registration") {
    add(t("applications.income"), formatMoney(d.monthly_income));
    add(t("applications.category_label"), d.category ? t(`applications.category.${d.category}`) : null);
    add(t("applications.first_month"), d.first_month ? formatMonth(d.first_month) : null);
    // The quote the server priced the application at (its rules on that date), not the one typed against.
    if (d.quote) add(t("applications.quote_you_pay"), formatMoney(d.quote.you_pay));
  } else if (view.kind === "visit_dispute") {
    const visit = d.visit ?? {};
    add(t("applications.dispute_ground"), d.ground ? t(`visits.dispute.ground.${d.ground}`) : null);
    if (d.filed_for === "household_member") add(t("applications.dispute_patient"), d.patient_name);
    add(t("applications.dispute_visit"), visit.facility ? `${visit.facility.name} · ${formatDate(visit.admission_date)}` : null);
    add(t("visits.total_cost"), visit.total_cost === undefined ? null : formatMoney(visit.total_cost));
    add(t("applications.dispute_reason"), d.reason);
  }
  return rows;
}

function timeline(view) {
  return h(
    "ol",
    { class: "app-timeline", "aria-label": t("applications.timeline") },
    timelineSteps(view).map((step) =>
      h(
        "li",
        { class: `app-step app-step-${step.state}`, dataset: { status: step.status, state: step.state, event: step.event ?? "" } },
        h("span", { class: "app-step-dot", "aria-hidden": "true" }),
        h(
          "div",
          { class: "app-step-body" },
          // A step that moves no status (the facility sent the visit again, or answered) says what happened.
          h("strong", {}, step.event ? t(`applications.event.${step.event}`) : statusLabel(step.status, view.kind)),
          step.state === "upcoming"
            ? h("span", { class: "muted app-small" }, t("applications.upcoming"))
            : h("time", { class: "muted app-small", datetime: step.at }, formatDateTime(step.at)),
          // A rejection's note is its reason: said once, introduced as the reason.
          step.status === "rejected" && view.reason
            ? h("span", { class: "app-step-note" }, t("applications.reason_text", { reason: view.reason }))
            : step.note
              ? h("span", { class: "app-step-note" }, step.note)
              : null,
        ),
      ),
    ),
  );
}

export async function renderDetail(root, id) {
  mount(root, h("h1", {}, t("applications.title")), h("p", { class: "loading", role: "status" }, t("app.loading")));
  const flash = takeFiled(id);
  let view;
  try {
    view = await api(`${BASE}/${encodeURIComponent(id)}`);
  } catch (error) {
    mount(
      root,
      h("p", {}, h("a", { href: "#/applications" }, t("applications.back"))),
      h("h1", {}, t("applications.title")),
      h("p", { class: "error", role: "alert" }, problemMessage(error)),
    );
    return;
  }
  if (!stillOn(`#/applications/${id}`)) return;
  draw(root, view, flash ? t("applications.filed", { reference: view.reference }) : null);
}

function draw(root, view, message, alert = false) {
  const status = h("p", { class: alert ? "error" : "ok", role: alert ? "alert" : "status", id: "app-message" }, message ?? "");
  const withdraw = view.can_withdraw
    ? h(
        "button",
        {
          type: "button",
          class: "danger",
          id: "app-withdraw",
          onclick: async (event) => {
            if (!window.confirm(t("applications.withdraw_confirm"))) return;
            event.currentTarget.disabled = true;
            try {
              const updated = await api(`${BASE}/${view.id}/withdraw`, { method: "POST" });
              draw(root, updated, t("applications.withdrawn"));
            } catch (error) {
              draw(root, view, problemMessage(error), true);
            }
            document.getElementById("app-message")?.focus();
          },
        },
        t("applications.withdraw"),
      )
    : null;
  status.tabIndex = -1;
  // A refused or withdrawn change never takes effect: its date would only mislead.
  const effective = view.effective_from && !["rejected", "withdrawn"].includes(view.status);
  mount(
    root,
    h(
      "div",
      { class: "services-view app-detail", dataset: { applicationId: view.id, status: view.status } },
      h("p", {}, h("a", { href: "#/applications" }, t("applications.back"))),
      h("h1", {}, t(`applications.kind.${view.kind}`)),
      message ? status : null,
      h(
        "section",
        { class: "panel", "aria-labelledby": "app-summary-title" },
        h("h2", { id: "app-summary-title" }, t("applications.summary")),
        h(
          "dl",
          { class: "fields app-details" },
          h("dt", {}, t("applications.reference")),
          h("dd", { id: "app-reference" }, view.reference),
          h("dt", {}, t("applications.status_label")),
          h("dd", {}, chip(view.status, view.kind)),
          h("dt", {}, t("applications.filed_at")),
          h("dd", {}, formatDateTime(view.created_at)),
          effective ? [h("dt", {}, t("applications.effective_from")), h("dd", { id: "app-effective" }, formatDate(view.effective_from))] : null,
          detailRows(view),
        ),
        view.kind === "facility_change" && effective
          ? h("p", { class: "notice app-effective-note" }, t("applications.effective_note", { date: formatDate(view.effective_from) }))
          : null,
        view.status === "rejected" && view.reason
          ? h("p", { class: "app-rejected", id: "app-reason" }, t("applications.reason_text", { reason: view.reason }))
          : null,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "app-timeline-title" },
        h("h2", { id: "app-timeline-title" }, t("applications.timeline")),
        timeline(view),
      ),
      withdraw ? h("div", { class: "actions" }, withdraw) : null,
    ),
  );
}
