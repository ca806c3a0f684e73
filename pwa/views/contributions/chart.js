// Contributions · the chart: a hand-drawn SVG step line of the salary base over time, with a table fallback.

import { h } from "../../lib/dom.js";
import { currentLanguage, formatMoney, formatMonth, t } from "../../lib/i18n.js";
import { periodLabel, scrollTable } from "./common.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function monthIndex(month) {
  const [year, m] = month.split("-").map(Number);
  return year * 12 + (m - 1);
}

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function compact(amount) {
  return new Intl.NumberFormat(currentLanguage() === "vi" ? "vi-VN" : "en-GB", {
    notation: "compact",
    maximumFractionDigits: 1,
  }).format(amount);
}

/** A round step (1, 2, 2.5 or 5 × 10^n) giving about four grid lines up to ``value``. */
function niceStep(value) {
  const rough = Math.max(value, 1) / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= rough) return step * power;
  }
  return 10 * power;
}

function salaryChart(periods) {
  const ordered = [...periods].sort((a, b) => (a.from_month < b.from_month ? -1 : a.from_month > b.from_month ? 1 : 0));
  const width = 400;
  const height = 220;
  const pad = { left: 44, right: 12, top: 14, bottom: 30 };
  const first = monthIndex(ordered[0].from_month);
  const last = Math.max(...ordered.map((p) => monthIndex(p.to_month))) + 1;
  const span = Math.max(last - first, 1);
  const salaries = ordered.map((p) => p.salary_base);
  const step = niceStep(Math.max(...salaries));
  const top = step * Math.max(1, Math.ceil(Math.max(...salaries) / step));
  const x = (index) => pad.left + ((index - first) / span) * (width - pad.left - pad.right);
  const y = (amount) => pad.top + (1 - amount / top) * (height - pad.top - pad.bottom);
  const round = (n) => Math.round(n * 10) / 10;

  const levels = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const grid = levels.map((value) => {
    return svg(
      "g",
      { class: "chart-grid" },
      svg("line", { x1: pad.left, x2: width - pad.right, y1: round(y(value)), y2: round(y(value)) }),
      svg("text", { x: pad.left - 6, y: round(y(value)) + 4, "text-anchor": "end" }, compact(value)),
    );
  });
  const firstYear = Math.floor(first / 12);
  const lastYear = Math.floor((last - 1) / 12);
  const yearStep = Math.max(1, Math.ceil((lastYear - firstYear + 1) / 5));
  const years = [];
  for (let year = firstYear + (first % 12 ? 1 : 0); year <= lastYear; year += yearStep) years.push(year);
  const ticks = years.map((year) =>
    svg(
      "g",
      { class: "chart-tick" },
      svg("line", {
        x1: round(x(year * 12)),
        x2: round(x(year * 12)),
        y1: height - pad.bottom,
        y2: height - pad.bottom + 4,
      }),
      svg("text", { x: round(x(year * 12)), y: height - pad.bottom + 16, "text-anchor": "middle" }, String(year)),
    ),
  );

  // A step line: flat over each period, a new stroke where months are missing between periods.
  let path = "";
  let previousEnd = null;
  for (const period of ordered) {
    const start = monthIndex(period.from_month);
    const end = monthIndex(period.to_month) + 1;
    const level = round(y(period.salary_base));
    path += previousEnd === start ? ` V${level} H${round(x(end))}` : ` M${round(x(start))} ${level} H${round(x(end))}`;
    previousEnd = end;
  }
  const points = ordered.map((period) =>
    svg(
      "circle",
      {
        class: `point${period.status === "arrears" ? " arrears" : ""}`,
        cx: round(x(monthIndex(period.from_month))),
        cy: round(y(period.salary_base)),
        r: 4,
        "data-from": period.from_month,
        "data-salary": period.salary_base,
      },
      svg("title", {}, `${periodLabel(period)}: ${formatMoney(period.salary_base)}`),
    ),
  );
  const description = t("contributions.chart_desc", {
    first: formatMonth(ordered[0].from_month),
    last: formatMonth(ordered.at(-1).to_month),
    min: formatMoney(Math.min(...salaries)),
    max: formatMoney(Math.max(...salaries)),
    count: ordered.length,
  });
  return svg(
    "svg",
    {
      class: "salary-chart",
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-labelledby": "salary-chart-title salary-chart-desc",
      preserveAspectRatio: "xMidYMid meet",
    },
    svg("title", { id: "salary-chart-title" }, t("contributions.chart_title")),
    svg("desc", { id: "salary-chart-desc" }, description),
    grid,
    svg("line", {
      class: "chart-axis",
      x1: pad.left,
      x2: width - pad.right,
      y1: height - pad.bottom,
      y2: height - pad.bottom,
    }),
    ticks,
    svg("path", { class: "chart-line", d: path.trim(), fill: "none" }),
    points,
  );
}

export function chartPanel(periods) {
  return h(
    "section",
    { class: "panel records-chart", "aria-labelledby": "contributions-chart-title" },
    h("h2", { id: "contributions-chart-title" }, t("contributions.chart_title")),
    h("figure", { class: "chart-figure" }, salaryChart(periods)),
    h(
      "details",
      { class: "chart-data" },
      h("summary", {}, t("contributions.chart_table")),
      scrollTable(
        "contributions-chart-caption",
        h("caption", { id: "contributions-chart-caption" }, t("contributions.chart_caption")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("contributions.period")),
            h("th", { scope: "col" }, t("contributions.employer")),
            h("th", { scope: "col", class: "num" }, t("contributions.salary_base")),
            h("th", { scope: "col" }, t("contributions.status_label")),
          ),
        ),
        h(
          "tbody",
          {},
          periods.map((period) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, periodLabel(period)),
              h("td", {}, period.employer?.name ?? t(`contributions.scheme.${period.scheme}`)),
              h("td", { class: "num" }, formatMoney(period.salary_base)),
              h("td", {}, t(`contributions.status.${period.status}`)),
            ),
          ),
        ),
      ),
    ),
  );
}
