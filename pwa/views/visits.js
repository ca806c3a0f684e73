// #/visits: health-insurance visits (khám chữa bệnh), newest first: facility, ICD-10 diagnosis, dates, the cost
// split between health insurance and the patient, and the visit type; more pages on demand.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { formatDate, formatMoney, t } from "../lib/i18n.js";

const VISITS = "/api/v1/me/medical-visits";
export const PAGE = 10;

export async function render(root) {
  useStyles("/pwa/styles/records.css");
  const list = h("ul", { class: "list visit-list", id: "visits-list" });
  const results = h(
    "div",
    { class: "records-results", "aria-busy": "true" },
    h("p", { class: "loading" }, t("app.loading")),
  );
  mount(
    root,
    h(
      "div",
      { class: "records-view" },
      h("h1", {}, t("visits.title")),
      h("p", { class: "muted" }, t("visits.intro")),
      results,
    ),
  );
  await first(results, list);
}

function failure(error, retry) {
  const message = error?.status === 0 ? t("common.offline_unavailable") : t("common.error");
  return h(
    "div",
    { class: "panel" },
    h("p", { class: "error" }, message),
    h("button", { type: "button", class: "secondary", onclick: retry }, t("common.retry")),
  );
}

async function first(results, list) {
  results.setAttribute("aria-busy", "true");
  try {
    const page = await api(`${VISITS}?limit=${PAGE}&offset=0`);
    if (!page.items.length) {
      mount(results, h("p", { class: "panel muted", id: "visits-empty" }, t("visits.none")));
      return;
    }
    list.replaceChildren();
    const count = h("p", { class: "muted", id: "visits-count", role: "status" });
    const more = h("button", { type: "button", class: "secondary", id: "visits-more" }, t("visits.load_more"));
    const state = { shown: 0 };
    const add = (next) => {
      list.append(...next.items.map(visitItem));
      state.shown += next.items.length;
      count.textContent = t("visits.shown_of", { shown: state.shown, total: next.total });
      more.hidden = state.shown >= next.total || next.items.length === 0;
    };
    more.addEventListener("click", async () => {
      more.disabled = true;
      more.setAttribute("aria-busy", "true");
      try {
        add(await api(`${VISITS}?limit=${PAGE}&offset=${state.shown}`));
      } catch (error) {
        count.textContent = error?.status === 0 ? t("common.offline_unavailable") : t("common.error");
      } finally {
        more.disabled = false;
        more.removeAttribute("aria-busy");
      }
    });
    add(page);
    mount(results, h("div", { class: "panel" }, list), h("div", { class: "records-more" }, count, more));
  } catch (error) {
    mount(
      results,
      failure(error, () => first(results, list)),
    );
  } finally {
    results.removeAttribute("aria-busy");
  }
}

function visitItem(visit) {
  const sameDay = visit.admission_date === visit.discharge_date;
  return h(
    "li",
    { class: "visit", dataset: { facility: visit.facility.code, icd10: visit.icd10_code, type: visit.visit_type } },
    h(
      "div",
      { class: "visit-head" },
      h("h2", { class: "visit-facility" }, visit.facility.name),
      h(
        "span",
        { class: `badge ${visit.visit_type === "inpatient" ? "warn" : ""} visit-type`.replace("  ", " ") },
        t(`visits.type.${visit.visit_type}`),
      ),
    ),
    h(
      "p",
      { class: "visit-dates" },
      h("span", { class: "muted" }, `${t("visits.dates")}: `),
      sameDay
        ? formatDate(visit.admission_date)
        : t("visits.date_range", { from: formatDate(visit.admission_date), to: formatDate(visit.discharge_date) }),
    ),
    h(
      "p",
      { class: "visit-diagnosis" },
      h("span", { class: "muted" }, `${t("visits.diagnosis")}: `),
      h("code", {}, visit.icd10_code),
      " ",
      visit.icd10_name,
    ),
    h(
      "dl",
      { class: "fields visit-costs" },
      h("dt", {}, t("visits.total_cost")),
      h("dd", { class: "visit-total" }, formatMoney(visit.total_cost)),
      h("dt", {}, t("visits.hi_paid")),
      h("dd", { class: "visit-hi-paid ok" }, formatMoney(visit.hi_paid)),
      h("dt", {}, t("visits.patient_paid")),
      h("dd", { class: "visit-patient-paid" }, formatMoney(visit.patient_paid)),
    ),
  );
}
