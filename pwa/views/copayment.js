// The benefits screen's co-payment panel: a year's co-payments (T_BNCCT of the visits) against the cap of 6 months of
// base salary, the gap left, the 5 continuous years of cover, and what to do once both conditions are met.

import { api } from "../lib/api.js";
import { h, mount } from "../lib/dom.js";
import { failurePanel } from "../lib/feedback.js";
import { formatDate, formatMoney, t } from "../lib/i18n.js";

const COPAYMENT = "/api/v1/me/copayment";

/** Draw ``year``'s panel (this year by default) into ``container``; ``current`` is this year, once known. */
export async function loadCoPayment(container, year = null, current = null) {
  container.setAttribute("aria-busy", "true");
  try {
    const body = await api(year ? `${COPAYMENT}?year=${year}` : COPAYMENT);
    const thisYear = current ?? body.year;
    mount(container, panel(body, thisYear, (chosen) => loadCoPayment(container, chosen, thisYear)));
  } catch (error) {
    mount(
      container,
      failurePanel(error, () => loadCoPayment(container, year, current)),
    );
  } finally {
    container.removeAttribute("aria-busy");
  }
}

function yearChooser(body, thisYear, choose) {
  const select = h(
    "select",
    { id: "copay-year" },
    [thisYear, thisYear - 1, thisYear - 2].map((year) => h("option", { value: year, selected: year === body.year }, String(year))),
  );
  select.addEventListener("change", () => choose(Number(select.value)));
  return h("label", { for: "copay-year", class: "copay-year" }, t("copayment.year"), select);
}

function conclusion(body) {
  if (body.exempt_from) {
    return h(
      "p",
      { class: "ok copay-exempt", id: "copay-conclusion" },
      t("copayment.exempt", { from: formatDate(body.exempt_from), to: formatDate(`${body.year}-12-31`) }),
    );
  }
  if (body.eligible_from) {
    return h(
      "div",
      { class: "notice copay-eligible", id: "copay-conclusion", role: "note" },
      h("p", {}, h("strong", {}, t("copayment.eligible", { from: formatDate(body.eligible_from) }))),
      h("p", {}, t("copayment.how_to")),
    );
  }
  if (body.cap_reached) {
    return h("p", { class: "muted", id: "copay-conclusion" }, t("copayment.reached_without_years", { years: body.continuous_years }));
  }
  return h("p", { class: "muted", id: "copay-conclusion" }, t("copayment.not_reached", { gap: formatMoney(body.gap) }));
}

function panel(body, thisYear, choose) {
  const years = body.five_years
    ? t("copayment.five_years_since", { date: formatDate(body.five_year_date) })
    : body.five_year_date
      ? t("copayment.five_years_on", { date: formatDate(body.five_year_date) })
      : t("copayment.five_years_unknown");
  return h(
    "section",
    { class: "panel records-copayment", id: "benefits-copayment", "aria-labelledby": "copay-title", dataset: { year: body.year } },
    h("h2", { id: "copay-title" }, t("copayment.title")),
    h("p", { class: "muted" }, t("copayment.intro", { years: body.continuous_years })),
    yearChooser(body, thisYear, choose),
    h("progress", {
      class: "copay-progress",
      max: body.cap,
      value: Math.min(body.total, body.cap),
      "aria-label": t("copayment.progress", { total: formatMoney(body.total), cap: formatMoney(body.cap) }),
    }),
    h(
      "dl",
      { class: "fields" },
      h("dt", {}, t("copayment.total", { year: body.year })),
      h("dd", { id: "copay-total" }, formatMoney(body.total), " ", h("span", { class: "muted" }, t("copayment.visits", { count: body.visits }))),
      h("dt", {}, t("copayment.cap")),
      h(
        "dd",
        { id: "copay-cap" },
        formatMoney(body.cap),
        " ",
        h("span", { class: "muted" }, t("copayment.cap_basis", { salary: formatMoney(body.base_salary), date: formatDate(body.cap_on) })),
      ),
      h("dt", {}, body.cap_reached ? t("copayment.reached_on") : t("copayment.gap")),
      h("dd", { id: "copay-gap" }, body.cap_reached ? formatDate(body.reached_on) : formatMoney(body.gap)),
      h("dt", {}, t("copayment.five_years")),
      h("dd", { id: "copay-years", class: body.five_years ? "ok" : "" }, years),
    ),
    conclusion(body),
    h("p", { class: "muted copay-basis" }, t("copayment.legal_basis", { basis: body.legal_basis })),
  );
}
