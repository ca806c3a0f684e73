// Contributions · the timeline by employer: consecutive periods with one employer (or scheme) grouped together.

import { h } from "../../lib/dom.js";
import { formatMoney, formatMonth, t } from "../../lib/i18n.js";
import { periodLabel } from "./common.js";

function groupByEmployer(periods) {
  const groups = [];
  for (const period of periods) {
    const key = period.employer ? `employer:${period.employer.code}` : `scheme:${period.scheme}`;
    const group = groups.at(-1);
    if (group && group.key === key) group.periods.push(period);
    else groups.push({ key, employer: period.employer, scheme: period.scheme, periods: [period] });
  }
  return groups;
}

function statusBadge(period) {
  const arrears = period.status === "arrears";
  return h(
    "span",
    { class: `badge ${arrears ? "bad" : "ok"} period-status`, dataset: { status: period.status } },
    t(`contributions.status.${period.status}`),
  );
}

function periodItem(period) {
  const perMonth = period.employer
    ? [
        [t("contributions.employer_amount"), formatMoney(period.employer_amount)],
        [t("contributions.employee_amount"), formatMoney(period.employee_amount)],
      ]
    : [[t("contributions.amount_per_month"), formatMoney(period.employee_amount + period.employer_amount)]];
  return h(
    "li",
    { class: "period", dataset: { from: period.from_month, to: period.to_month, status: period.status } },
    h("div", { class: "period-head" }, h("span", { class: "period-months" }, periodLabel(period)), statusBadge(period)),
    h(
      "dl",
      { class: "fields" },
      h("dt", {}, t("contributions.salary_base")),
      h("dd", { class: "salary-base" }, formatMoney(period.salary_base)),
      h("dt", {}, t("contributions.months_in_period")),
      h(
        "dd",
        {},
        t("contributions.months_count", { count: period.months }),
        period.arrears_months
          ? [
              " · ",
              h("span", { class: "error" }, t("contributions.arrears_in_period", { count: period.arrears_months })),
            ]
          : null,
      ),
      perMonth.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
      h("dt", {}, t("contributions.funds")),
      h(
        "dd",
        { class: "period-funds" },
        period.funds.map((fund) => h("abbr", { class: "fund", title: t(`contributions.fund_name.${fund}`) }, fund)),
      ),
    ),
  );
}

export function timeline(periods) {
  const groups = groupByEmployer(periods);
  return h(
    "section",
    { class: "records-timeline", "aria-labelledby": "contributions-timeline-title" },
    h("h2", { id: "contributions-timeline-title" }, t("contributions.timeline_title")),
    h(
      "ol",
      { class: "employer-groups" },
      groups.map((group) => {
        const months = group.periods.reduce((sum, p) => sum + p.months, 0);
        const oldest = group.periods.at(-1).from_month;
        const newest = group.periods[0].to_month;
        return h(
          "li",
          { class: "panel employer-group", dataset: { employer: group.employer?.code ?? group.scheme } },
          h("h3", { class: "employer-name" }, group.employer?.name ?? t("contributions.voluntary_group")),
          h(
            "p",
            { class: "muted group-meta" },
            group.employer ? [t("contributions.employer_code", { code: group.employer.code }), " · "] : null,
            t("contributions.period_months", { from: formatMonth(oldest), to: formatMonth(newest) }),
            " · ",
            t("contributions.months_count", { count: months }),
          ),
          h("ol", { class: "periods" }, group.periods.map(periodItem)),
        );
      }),
    ),
  );
}
