// #/visits: health-insurance visits (khám chữa bệnh), newest first, as the facility's QĐ 130 files tell them:
// facility, status (in progress / claim sent), ICD-10 diagnosis, dates and times, the cost and its parts, the drug
// and service lines, and the visit type; more pages on demand. Each visit can be disputed ("this wasn't me"); the
// head of a household also sees, and may dispute, the visits of members who consented.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { failurePanel, unavailableText } from "../lib/feedback.js";
import { formatDate, formatDateTime, formatMoney, t } from "../lib/i18n.js";
import { disputeBadge, disputeSection } from "./visit-dispute.js";

const VISITS = "/api/v1/me/medical-visits";
const HOUSEHOLD = "/api/v1/households/mine";
export const PAGE = 10;

export async function render(root) {
  useStyles("/pwa/styles/records.css");
  const list = h("ul", { class: "list visit-list", id: "visits-list" });
  const results = h(
    "div",
    { class: "records-results", "aria-busy": "true" },
    h("p", { class: "loading" }, t("app.loading")),
  );
  const whose = h("div", { class: "visit-whose" });
  mount(
    root,
    h(
      "div",
      { class: "records-view" },
      h("h1", {}, t("visits.title")),
      h("p", { class: "muted" }, t("visits.intro")),
      whose,
      results,
    ),
  );
  const source = { url: VISITS };
  const show = (url) => first(results, list, Object.assign(source, { url }));
  await Promise.all([first(results, list, source), chooser(whose, show)]);
}

/** For the head of a household: whose visits to show (the head's own, or a member's who consented). */
async function chooser(container, show) {
  let household;
  try {
    household = await api(HOUSEHOLD);
  } catch {
    return; // no household (404) or offline: one's own visits only
  }
  const members = household.you_are_head ? household.members.filter((m) => !m.is_head && m.data_visible) : [];
  if (!members.length) return;
  const select = h(
    "select",
    { id: "visits-whose" },
    h("option", { value: VISITS }, t("visits.whose_me")),
    members.map((m) => h("option", { value: `${HOUSEHOLD}/members/${m.id}/medical-visits` }, m.name)),
  );
  select.addEventListener("change", () => show(select.value));
  mount(container, h("label", { for: "visits-whose" }, t("visits.whose"), select));
}

async function first(results, list, source) {
  results.setAttribute("aria-busy", "true");
  const base = source.url;
  try {
    const page = await api(`${base}?limit=${PAGE}&offset=0`);
    if (base !== source.url) return; // another person was chosen meanwhile
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
        add(await api(`${base}?limit=${PAGE}&offset=${state.shown}`));
      } catch (error) {
        count.textContent = unavailableText(error);
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
      failurePanel(error, () => first(results, list, source)),
    );
  } finally {
    results.removeAttribute("aria-busy");
  }
}

function dates(visit) {
  if (visit.admitted_at && visit.discharged_at) {
    return t("visits.times", { from: formatDateTime(visit.admitted_at), to: formatDateTime(visit.discharged_at) });
  }
  if (visit.admitted_at) return t("visits.admitted", { from: formatDateTime(visit.admitted_at) });
  if (!visit.discharge_date || visit.admission_date === visit.discharge_date) return formatDate(visit.admission_date);
  return t("visits.date_range", { from: formatDate(visit.admission_date), to: formatDate(visit.discharge_date) });
}

function costs(visit) {
  const rows = [
    ["total_cost", "visit-total", visit.total_cost],
    ["hi_paid", "visit-hi-paid ok", visit.hi_paid],
    ["patient_paid", "visit-patient-paid", visit.patient_paid],
  ];
  // The parts of the patient's share and other payers, shown when they are not nothing.
  for (const [key, cls] of [
    ["co_payment", "visit-co-payment"],
    ["out_of_scope", "visit-out-of-scope"],
    ["other_sources", "visit-other-sources"],
  ]) {
    if (visit[key]) rows.push([key, cls, visit[key]]);
  }
  return h(
    "dl",
    { class: "fields visit-costs" },
    ...rows.flatMap(([key, cls, amount]) => [h("dt", {}, t(`visits.${key}`)), h("dd", { class: cls }, formatMoney(amount))]),
  );
}

function lines(visit) {
  if (!visit.lines?.length) return null;
  return h(
    "details",
    { class: "visit-lines" },
    h("summary", {}, `${t("visits.lines")} (${visit.lines.length})`),
    h(
      "ul",
      { class: "list" },
      ...visit.lines.map((line) =>
        h(
          "li",
          { class: "visit-line", dataset: { kind: line.kind, code: line.code } },
          h("span", { class: "muted" }, `${t(`visits.line_kind.${line.kind}`)} · `),
          line.name,
          ` — ${line.quantity}${line.unit ? ` ${line.unit}` : ""} × ${formatMoney(line.unit_price)} = `,
          h("strong", {}, formatMoney(line.amount)),
        ),
      ),
    ),
  );
}

function visitItem(visit) {
  const status = visit.status ?? "claimed";
  const head = h(
    "div",
    { class: "visit-head" },
    h("h2", { class: "visit-facility" }, visit.facility.name),
    h(
      "span",
      { class: `badge ${visit.visit_type === "inpatient" ? "warn" : ""} visit-type`.replace("  ", " ") },
      t(`visits.type.${visit.visit_type}`),
    ),
    h("span", { class: `badge ${status === "in_progress" ? "warn" : "ok"} visit-status` }, t(`visits.status.${status}`)),
    disputeBadge(visit.dispute_status),
  );
  // Filing a dispute marks the visit at once, as the list shows it from now on.
  const filed = () => {
    head.querySelector(".visit-dispute-status")?.remove();
    head.append(disputeBadge("open"));
  };
  return h(
    "li",
    {
      class: "visit",
      dataset: { id: visit.id, facility: visit.facility.code, icd10: visit.icd10_code ?? "", type: visit.visit_type, status },
    },
    head,
    h("p", { class: "visit-dates" }, h("span", { class: "muted" }, `${t("visits.dates")}: `), dates(visit)),
    visit.icd10_code
      ? h(
          "p",
          { class: "visit-diagnosis" },
          h("span", { class: "muted" }, `${t("visits.diagnosis")}: `),
          h("code", {}, visit.icd10_code),
          " ",
          visit.icd10_name,
        )
      : null,
    visit.card_result ? h("p", { class: "warn visit-card-flag" }, t("visits.card_flag", { code: visit.card_result })) : null,
    costs(visit),
    lines(visit),
    disputeSection(visit, filed),
  );
}
