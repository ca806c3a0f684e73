// Contributions · the totals: social-insurance time, months paid by scheme and fund, arrears, average salary.

import { h } from "../../lib/dom.js";
import { formatMoney, formatMonth, t } from "../../lib/i18n.js";

function yearsMonths(time) {
  return t("contributions.years_months", { years: time.years, months: time.months });
}

export function summaryPanel(summary) {
  const schemes = Object.entries(summary.paid_months_by_scheme).filter(([, months]) => months > 0);
  const funds = Object.entries(summary.paid_months_by_fund);
  const rows = [
    [
      t("contributions.si_time"),
      h(
        "span",
        { class: "si-time", dataset: { years: summary.si_time.years, months: summary.si_time.months } },
        yearsMonths(summary.si_time),
      ),
    ],
  ];
  for (const [scheme, months] of schemes) {
    rows.push([
      `${t("contributions.paid_months")} · ${t(`contributions.scheme.${scheme}`)}`,
      h("span", { class: "paid-months", dataset: { scheme } }, t("contributions.months_count", { count: months })),
    ]);
  }
  if (summary.first_paid_month && summary.last_paid_month) {
    rows.push([
      t("contributions.paid_range"),
      t("contributions.first_last", {
        first: formatMonth(summary.first_paid_month),
        last: formatMonth(summary.last_paid_month),
      }),
    ]);
  }
  rows.push([
    t("contributions.arrears_months"),
    h(
      "span",
      {
        class: `badge ${summary.arrears_months ? "bad" : "ok"} arrears-months`,
        dataset: { months: summary.arrears_months },
      },
      summary.arrears_months
        ? t("contributions.months_count", { count: summary.arrears_months })
        : t("contributions.no_arrears"),
    ),
  ]);
  if (summary.salary_average) {
    rows.push([
      t("contributions.salary_average", { count: summary.salary_average.months }),
      formatMoney(summary.salary_average.average),
    ]);
  }
  const owing = summary.employers_owing.length
    ? h(
        "div",
        { class: "records-owing" },
        h("h3", {}, t("contributions.employers_owing")),
        h(
          "ul",
          { class: "list employers-owing" },
          summary.employers_owing.map((employer) =>
            h(
              "li",
              { dataset: { code: employer.code } },
              h("strong", {}, employer.name),
              " ",
              h("span", { class: "badge bad" }, t("contributions.months_count", { count: employer.months.length })),
              h("br"),
              h("span", { class: "muted" }, employer.months.map(formatMonth).join(", ")),
            ),
          ),
        ),
      )
    : null;
  const fundList = funds.length
    ? h(
        "details",
        { class: "records-funds" },
        h("summary", {}, t("contributions.paid_months_by_fund")),
        h(
          "dl",
          { class: "fields" },
          funds.map(([fund, months]) => [
            h("dt", {}, t(`contributions.fund_name.${fund}`)),
            h("dd", {}, t("contributions.months_count", { count: months })),
          ]),
        ),
      )
    : null;
  return h(
    "section",
    { class: "panel records-summary", "aria-labelledby": "contributions-summary-title" },
    h("h2", { id: "contributions-summary-title" }, t("contributions.summary_title")),
    h(
      "dl",
      { class: "fields" },
      rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
    ),
    summary.salary_average?.revaluation_note
      ? h("p", { class: "muted records-note" }, t("contributions.revaluation_note"))
      : null,
    owing,
    fundList,
  );
}
