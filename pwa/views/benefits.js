// #/benefits: the pension being paid, benefits received and pending (chế độ), and the estimates of a pension,
// the one-time allowance and the unemployment benefit, each with its inputs and rule, or why it does not apply.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { failurePanel, unavailableText } from "../lib/feedback.js";
import { currentLanguage, formatDate, formatMoney, t } from "../lib/i18n.js";
import { loadCoPayment } from "./copayment.js";

const BENEFITS = "/api/v1/me/benefits";
const ESTIMATES = "/api/v1/me/estimates";
const PAGE = 50;
const PENDING = new Set(["pending", "approved"]);
const STATUS_TONE = { paid: "ok", active: "ok", approved: "warn", pending: "warn", rejected: "bad", ended: "" };
const MONEY_INPUTS = new Set(["average_salary", "cap"]);
const DATE_INPUTS = new Set(["date_of_birth", "termination_date"]);

export async function render(root) {
  useStyles("/pwa/styles/records.css");
  const benefits = h(
    "div",
    { class: "records-benefits", "aria-busy": "true" },
    h("p", { class: "loading" }, t("app.loading")),
  );
  const estimates = h(
    "div",
    { class: "records-estimates", "aria-busy": "true" },
    h("p", { class: "loading" }, t("app.loading")),
  );
  const copayment = h("div", { class: "records-copayment-slot", "aria-busy": "true" }, h("p", { class: "loading" }, t("app.loading")));
  mount(root, h("div", { class: "records-view" }, h("h1", {}, t("benefits.title")), benefits, copayment, estimates));
  await Promise.all([loadBenefits(benefits), loadCoPayment(copayment), loadEstimates(estimates)]);
}

function fields(rows) {
  return h(
    "dl",
    { class: "fields" },
    rows.filter(Boolean).map(([term, value, attrs = {}]) => [h("dt", {}, term), h("dd", attrs, value)]),
  );
}

// --- benefits received and pending -------------------------------------------------------------------------

async function loadBenefits(container) {
  container.setAttribute("aria-busy", "true");
  try {
    const first = await api(`${BENEFITS}?limit=${PAGE}&offset=0`);
    mount(container, pensionPanel(first.pension), benefitsPanel(first));
  } catch (error) {
    mount(
      container,
      failurePanel(error, () => loadBenefits(container)),
    );
  } finally {
    container.removeAttribute("aria-busy");
  }
}

function statusBadge(status) {
  const tone = STATUS_TONE[status] ?? "";
  return h(
    "span",
    { class: `badge ${tone} benefit-status`.trim(), dataset: { status } },
    t(`benefits.status.${status}`),
  );
}

function pensionPanel(pension) {
  return h(
    "section",
    { class: "panel records-pension", id: "benefits-pension", "aria-labelledby": "benefits-pension-title" },
    h("h2", { id: "benefits-pension-title" }, t("benefits.pension_title")),
    pension
      ? [
          h(
            "p",
            { class: "amount pension-amount", dataset: { amount: pension.monthly_amount } },
            t("benefits.per_month", { amount: formatMoney(pension.monthly_amount) }),
          ),
          fields([
            [t("benefits.pension_start"), formatDate(pension.start_date)],
            [t("benefits.status_label"), statusBadge(pension.status)],
          ]),
        ]
      : h("p", { class: "muted" }, t("benefits.pension_none")),
  );
}

function benefitItem(benefit) {
  const amount = formatMoney(benefit.amount);
  return h(
    "li",
    { class: "benefit", dataset: { type: benefit.type, status: benefit.status } },
    h("div", { class: "benefit-head" }, h("h4", {}, t(`benefits.type.${benefit.type}`)), statusBadge(benefit.status)),
    fields([
      [
        t("benefits.amount"),
        benefit.monthly ? t("benefits.per_month", { amount }) : amount,
        { class: "benefit-amount", "data-amount": benefit.amount },
      ],
      [
        t("benefits.period"),
        benefit.period_to
          ? t("benefits.period_range", { from: formatDate(benefit.period_from), to: formatDate(benefit.period_to) })
          : t("benefits.period_open", { from: formatDate(benefit.period_from) }),
      ],
      benefit.decided_on ? [t("benefits.decided_on"), formatDate(benefit.decided_on)] : null,
      [t("benefits.channel"), t(`benefits.payment_channel.${benefit.payment_channel}`)],
    ]),
  );
}

function benefitsPanel(first) {
  const pending = h("ul", { class: "list benefit-list", id: "benefits-pending" });
  const received = h("ul", { class: "list benefit-list", id: "benefits-received" });
  const pendingSection = h(
    "section",
    { "aria-labelledby": "benefits-pending-title", hidden: true },
    h("h3", { id: "benefits-pending-title" }, t("benefits.pending_title")),
    pending,
  );
  const receivedSection = h(
    "section",
    { "aria-labelledby": "benefits-received-title", hidden: true },
    h("h3", { id: "benefits-received-title" }, t("benefits.received_title")),
    received,
  );
  const empty = h("p", { class: "muted", hidden: true }, t("benefits.none"));
  const count = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("benefits.load_more"));
  const footer = h("div", { class: "records-more" }, count, more);
  let shown = 0;
  const add = (page) => {
    for (const benefit of page.items) (PENDING.has(benefit.status) ? pending : received).append(benefitItem(benefit));
    shown += page.items.length;
    pendingSection.hidden = !pending.children.length;
    receivedSection.hidden = !received.children.length;
    empty.hidden = shown > 0;
    more.hidden = shown >= page.total || page.items.length === 0;
    count.textContent = page.total > page.items.length ? t("benefits.shown_of", { shown, total: page.total }) : "";
    footer.hidden = more.hidden && !count.textContent;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      add(await api(`${BENEFITS}?limit=${PAGE}&offset=${shown}`));
    } catch (error) {
      count.textContent = unavailableText(error);
    } finally {
      more.disabled = false;
    }
  });
  add(first);
  return h(
    "section",
    { class: "panel records-benefit-list", "aria-labelledby": "benefits-list-title" },
    h("h2", { id: "benefits-list-title" }, t("benefits.list_title")),
    empty,
    pendingSection,
    receivedSection,
    footer,
  );
}

// --- estimates ----------------------------------------------------------------------------------------------

async function loadEstimates(container) {
  container.setAttribute("aria-busy", "true");
  try {
    mount(container, estimatesSection(await api(ESTIMATES)));
  } catch (error) {
    mount(
      container,
      failurePanel(error, () => loadEstimates(container)),
    );
  } finally {
    container.removeAttribute("aria-busy");
  }
}

/** The server's disclaimer is "English / Tiếng Việt": show the half in the reader's language. */
export function disclaimerText(disclaimer) {
  const parts = String(disclaimer ?? "").split(" / ");
  if (parts.length !== 2) return disclaimer;
  return currentLanguage() === "vi" ? parts[1] : parts[0];
}

/** The server explains in English; the known explanations are shown in the reader's language. */
function reasonText(reason) {
  if (!reason) return null;
  let match = /requires at least (\d+) years of contributions for a pension; (\d+) years (\d+) months counted/.exec(
    reason,
  );
  if (match) return t("benefits.reasons.pension_min_years", { min: match[1], years: match[2], months: match[3] });
  match = /requires at least (\d+) months of unemployment insurance contributions; (\d+) counted/.exec(reason);
  if (match) return t("benefits.reasons.ui_min_months", { min: match[1], count: match[2] });
  match = /^At least (\d+) months of unemployment insurance contributions are required; (\d+) counted/.exec(reason);
  if (match) return t("benefits.reasons.ui_min_months", { min: match[1], count: match[2] });
  if (/^No paid months of social insurance/.test(reason)) return t("benefits.reasons.no_paid_months");
  if (/before 2018-01-01 follow the SI Law 2006/.test(reason)) return t("benefits.reasons.pension_law_2006");
  return null;
}

function number(value) {
  return new Intl.NumberFormat(currentLanguage() === "vi" ? "vi-VN" : "en-GB", { maximumFractionDigits: 2 }).format(
    value,
  );
}

// The revaluation behind an average: the tables and their source, the coefficient of each year, the years no
// table establishes (taken as paid) and the state-scale months carried to the reference level.
function revaluationTables(tables) {
  if (!tables.length) return t("benefits.revaluation_not_loaded");
  return h(
    "ul",
    { class: "revaluation-tables" },
    tables.map((table) =>
      h(
        "li",
        { dataset: { table: table.table } },
        t("benefits.revaluation_table", {
          table: t(`benefits.revaluation_kind.${table.table}`),
          basis: table.legal_basis,
          date: formatDate(table.effective_from),
        }),
        h("br"),
        h("small", { class: "muted" }, t("benefits.revaluation_source", { source: table.source })),
      ),
    ),
  );
}

function revaluationCoefficients(rows) {
  if (!rows.length) return "–";
  return h(
    "table",
    { class: "revaluation-coefficients" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["year", "kind", "months", "coefficient"].map((column) =>
          h("th", { scope: "col" }, t(`benefits.revaluation_column.${column}`)),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          { dataset: { year: row.year, table: row.table, published: row.published } },
          h("td", {}, String(row.year)),
          h("td", {}, t(`benefits.revaluation_kind.${row.table}`)),
          h("td", {}, number(row.months)),
          h("td", {}, row.published ? decimal(row.coefficient) : t("benefits.not_published")),
        ),
      ),
    ),
  );
}

function yearsNotRevalued(byTable) {
  const entries = Object.entries(byTable);
  if (!entries.length) return t("benefits.all_years_revalued");
  return entries
    .map(([table, years]) =>
      t("benefits.years_not_revalued", { table: t(`benefits.revaluation_kind.${table}`), years: years.join(", ") }),
    )
    .join("; ");
}

function stateScale(value) {
  return t("benefits.state_scale_value", {
    months: number(value.averaged_months),
    reference: formatMoney(value.reference_level),
    average: formatMoney(value.average),
  });
}

// An exact decimal as published (two places kept: "1.00" stays 1,00), in the language's separator.
function decimal(text) {
  return currentLanguage() === "vi" ? String(text).replace(".", ",") : String(text);
}

function inputValue(key, value) {
  if (value === null || value === undefined) return "–";
  if (key === "revaluation_tables" && Array.isArray(value)) return revaluationTables(value);
  if (key === "revaluation_coefficients" && Array.isArray(value)) return revaluationCoefficients(value);
  if (key === "years_not_revalued" && typeof value === "object") return yearsNotRevalued(value);
  if (key === "state_scale" && typeof value === "object") return stateScale(value);
  if (MONEY_INPUTS.has(key)) return formatMoney(value);
  if (DATE_INPUTS.has(key)) return formatDate(value);
  if (key === "last_six_salaries" && Array.isArray(value)) return value.map(formatMoney).join("; ");
  if (key === "sex") return t(`benefits.sex.${value}`);
  if (key === "retirement_age" && typeof value === "object")
    return t("benefits.age_value", { years: value.years, months: value.months });
  if (key === "revaluation")
    return /not loaded/.test(String(value)) ? t("benefits.revaluation_not_loaded") : String(value);
  if (key === "region") return t("benefits.region_value", { region: value });
  if (key === "rate_percent") return t("benefits.rate_value", { rate: number(value) });
  if (/^(counted_years|years_)/.test(key)) return t("benefits.years_value", { years: number(value) });
  if (/months/.test(key) && typeof value === "number") return t("contributions.months_count", { count: number(value) });
  if (typeof value === "number") return number(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function inputLabel(key) {
  const label = t(`benefits.input.${key}`);
  return label === `benefits.input.${key}` ? key : label;
}

function estimateCard(id, titleKey, estimate, figures, always = []) {
  const reason = reasonText(estimate.reason);
  const inputs = Object.entries(estimate.inputs ?? {});
  return h(
    "article",
    { class: "panel records-estimate", id, "aria-labelledby": `${id}-title`, dataset: { eligible: estimate.eligible } },
    h(
      "header",
      {},
      h("h3", { id: `${id}-title` }, t(titleKey)),
      h(
        "span",
        { class: `badge ${estimate.eligible ? "ok" : "warn"}` },
        t(estimate.eligible ? "benefits.eligible" : "benefits.not_eligible"),
      ),
    ),
    estimate.reason
      ? reason
        ? h("p", { class: "reason notice" }, reason)
        : h("p", { class: "reason notice", lang: "en" }, estimate.reason)
      : null,
    fields([
      ...(estimate.eligible ? figures : []),
      ...always,
      estimate.rule_version
        ? [
            t("benefits.rule"),
            estimate.effective_from
              ? t("benefits.rule_value", { version: estimate.rule_version, date: formatDate(estimate.effective_from) })
              : estimate.rule_version,
            { class: "estimate-rule" },
          ]
        : null,
    ]),
    inputs.length
      ? [
          h("h4", {}, t("benefits.inputs")),
          h(
            "dl",
            { class: "fields estimate-inputs" },
            inputs.map(([key, value]) => [
              h("dt", {}, inputLabel(key)),
              h("dd", { dataset: { input: key } }, inputValue(key, value)),
            ]),
          ),
        ]
      : null,
  );
}

function estimatesSection(data) {
  const { pension, one_time_allowance: oneTime, unemployment } = data;
  return h(
    "section",
    { class: "records-estimates-list", "aria-labelledby": "benefits-estimates-title" },
    h("h2", { id: "benefits-estimates-title" }, t("benefits.estimates_title")),
    h("p", { class: "muted" }, t("benefits.as_of", { date: formatDate(data.as_of) })),
    h(
      "div",
      { class: "notice records-disclaimer", id: "benefits-disclaimer", role: "note" },
      h("strong", {}, t("benefits.disclaimer_title")),
      disclaimerText(data.disclaimer),
    ),
    estimateCard(
      "estimate-pension",
      "benefits.pension_estimate",
      pension,
      [
        [t("benefits.rate"), t("benefits.rate_value", { rate: number(pension.rate_percent) })],
        [
          t("benefits.monthly_amount"),
          t("benefits.per_month", { amount: formatMoney(pension.monthly_amount) }),
          { class: "amount" },
        ],
      ],
      [pension.retirement_date ? [t("benefits.retirement_date"), formatDate(pension.retirement_date)] : null],
    ),
    estimateCard("estimate-one-time", "benefits.one_time_estimate", oneTime, [
      [t("benefits.one_time_amount"), formatMoney(oneTime.amount), { class: "amount" }],
    ]),
    estimateCard("estimate-unemployment", "benefits.unemployment_estimate", unemployment, [
      [
        t("benefits.monthly_amount"),
        t("benefits.per_month", { amount: formatMoney(unemployment.monthly_amount) }),
        { class: "amount" },
      ],
      [t("benefits.unemployment_months"), t("contributions.months_count", { count: unemployment.months })],
      [t("benefits.unemployment_total"), formatMoney(unemployment.total)],
    ]),
  );
}
