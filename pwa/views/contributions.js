// #/contributions: the contribution history (quá trình đóng) grouped by employer, its totals, a hand-drawn
// salary chart with a table fallback, month filters, the CSV export and the month-by-month ledger.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { currentLanguage, formatMoney, formatMonth, t } from "../lib/i18n.js";

const BASE = "/api/v1/me/contributions";
const LEDGER_PAGE = 24;
const CSV_NAME = "ansinh-contributions.csv";
const PASSBOOK_NAME = "ansinh-passbook.pdf";
const SVG_NS = "http://www.w3.org/2000/svg";

// The filter survives re-renders of this screen (e.g. a language switch) but not a reload.
const filters = { from: "", to: "" };

export async function render(root) {
  useStyles("/pwa/styles/records.css");
  const status = h("p", { class: "records-status", role: "status" });
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
      h("h1", {}, t("contributions.title")),
      h("p", { class: "muted" }, t("contributions.intro")),
      filterForm(results, status),
      h(
        "div",
        { class: "actions records-export" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "contributions-csv",
            onclick: (e) => downloadCsv(e.currentTarget, status),
          },
          t("contributions.download_csv"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "contributions-passbook",
            onclick: (e) => downloadPassbook(e.currentTarget, status),
          },
          t("contributions.download_passbook"),
        ),
      ),
      status,
      results,
    ),
  );
  await load(results);
}

function query(extra = {}) {
  const params = new URLSearchParams();
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function filterForm(results, status) {
  const monthInput = (name) =>
    h("input", {
      type: "month",
      id: `contributions-${name}`,
      name,
      value: filters[name],
      placeholder: t("contributions.month_format"),
      "aria-describedby": "contributions-filter-error",
    });
  const from = monthInput("from");
  const to = monthInput("to");
  const error = h("p", { class: "error", id: "contributions-filter-error", role: "alert", hidden: true });
  const apply = async (event) => {
    event.preventDefault();
    const badFormat = [from, to].find((input) => input.value && !/^\d{4}-(0[1-9]|1[0-2])$/.test(input.value));
    if (badFormat || (from.value && to.value && from.value > to.value)) {
      error.textContent = t(badFormat ? "contributions.filter_format" : "contributions.filter_invalid");
      error.hidden = false;
      (badFormat ?? from).setAttribute("aria-invalid", "true");
      (badFormat ?? from).focus();
      return;
    }
    error.hidden = true;
    from.removeAttribute("aria-invalid");
    to.removeAttribute("aria-invalid");
    filters.from = from.value;
    filters.to = to.value;
    status.textContent = "";
    await load(results);
  };
  const reset = async () => {
    from.value = "";
    to.value = "";
    error.hidden = true;
    from.removeAttribute("aria-invalid");
    to.removeAttribute("aria-invalid");
    filters.from = "";
    filters.to = "";
    status.textContent = "";
    await load(results);
  };
  return h(
    "details",
    { class: "panel records-filters", id: "contributions-filters", open: Boolean(filters.from || filters.to) },
    h("summary", {}, t("contributions.filters_title")),
    h(
      "form",
      { onsubmit: apply, "aria-label": t("contributions.filters_title"), novalidate: true },
      h(
        "div",
        { class: "records-filter-fields" },
        h("label", { for: "contributions-from" }, t("contributions.from"), from),
        h("label", { for: "contributions-to" }, t("contributions.to"), to),
      ),
      error,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", id: "contributions-apply" }, t("contributions.apply")),
        h(
          "button",
          { type: "button", class: "secondary", id: "contributions-reset", onclick: reset },
          t("contributions.reset"),
        ),
      ),
    ),
  );
}

async function load(results) {
  results.setAttribute("aria-busy", "true");
  try {
    const data = await api(`${BASE}${query()}`);
    mount(results, ...content(data));
  } catch (error) {
    mount(
      results,
      failure(error, () => load(results)),
    );
  } finally {
    results.removeAttribute("aria-busy");
  }
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

function content(data) {
  const parts = [];
  if (filters.from || filters.to) {
    parts.push(
      h(
        "p",
        { class: "notice records-filtered" },
        t("contributions.filtered", {
          from: filters.from ? formatMonth(filters.from) : t("contributions.open_start"),
          to: filters.to ? formatMonth(filters.to) : t("contributions.open_end"),
        }),
      ),
    );
  }
  parts.push(summaryPanel(data.summary));
  if (!data.periods.length) {
    parts.push(h("p", { class: "panel muted", id: "contributions-empty" }, t("contributions.no_periods")));
    return parts;
  }
  parts.push(chartPanel(data.periods), timeline(data.periods), ledgerPanel());
  return parts;
}

// --- the totals ---------------------------------------------------------------------------------------------

function yearsMonths(time) {
  return t("contributions.years_months", { years: time.years, months: time.months });
}

function summaryPanel(summary) {
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

// --- the chart ----------------------------------------------------------------------------------------------

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

function periodLabel(period) {
  return t("contributions.period_months", { from: formatMonth(period.from_month), to: formatMonth(period.to_month) });
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

function chartPanel(periods) {
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

function scrollTable(captionId, ...children) {
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": captionId },
    h("table", {}, ...children),
  );
}

// --- the timeline by employer ------------------------------------------------------------------------------

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

function timeline(periods) {
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

// --- the month-by-month ledger ------------------------------------------------------------------------------

function ledgerPanel() {
  const body = h("div", { id: "contributions-ledger", class: "records-ledger", hidden: true });
  let loaded = false;
  const toggle = h(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "contributions-ledger-toggle",
      "aria-expanded": "false",
      "aria-controls": "contributions-ledger",
      onclick: async () => {
        const open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = t(open ? "contributions.ledger_hide" : "contributions.ledger_show");
        body.hidden = !open;
        if (open && !loaded) {
          loaded = true;
          await ledger(body);
        }
      },
    },
    t("contributions.ledger_show"),
  );
  return h("section", { class: "records-ledger-section", "aria-label": t("contributions.ledger_title") }, toggle, body);
}

function share(amount) {
  return amount === null || amount === undefined ? t("contributions.no_rule") : formatMoney(amount);
}

async function ledger(body) {
  const rows = h("tbody");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("contributions.load_more"));
  const count = h("p", { class: "muted", role: "status" });
  let offset = 0;
  const next = async () => {
    more.disabled = true;
    try {
      const page = await api(`${BASE}/months?limit=${LEDGER_PAGE}&offset=${offset}`);
      rows.append(
        ...page.items.map((row) =>
          h(
            "tr",
            { dataset: { status: row.status } },
            h("th", { scope: "row" }, formatMonth(row.month)),
            h("td", {}, h("abbr", { title: t(`contributions.fund_name.${row.fund}`) }, row.fund)),
            h("td", { class: "num" }, formatMoney(row.salary_base)),
            h("td", { class: "num" }, share(row.employer_share)),
            h("td", { class: "num" }, share(row.employee_share)),
            h(
              "td",
              {},
              h(
                "span",
                { class: `badge ${row.status === "arrears" ? "bad" : "ok"}` },
                t(`contributions.status.${row.status}`),
              ),
            ),
          ),
        ),
      );
      offset += page.items.length;
      count.textContent = t("contributions.shown_of", { shown: offset, total: page.total });
      more.hidden = offset >= page.total || page.items.length === 0;
    } catch (error) {
      count.textContent = error?.status === 0 ? t("common.offline_unavailable") : t("common.error");
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", next);
  mount(
    body,
    h("h2", {}, t("contributions.ledger_title")),
    scrollTable(
      "contributions-ledger-caption",
      h("caption", { id: "contributions-ledger-caption" }, t("contributions.ledger_caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("contributions.month")),
          h("th", { scope: "col" }, t("contributions.fund")),
          h("th", { scope: "col", class: "num" }, t("contributions.salary_base")),
          h("th", { scope: "col", class: "num" }, t("contributions.employer_share")),
          h("th", { scope: "col", class: "num" }, t("contributions.employee_share")),
          h("th", { scope: "col" }, t("contributions.status_label")),
        ),
      ),
      rows,
    ),
    count,
    more,
  );
  await next();
}

// --- the CSV export -----------------------------------------------------------------------------------------

async function downloadCsv(button, status) {
  button.disabled = true;
  status.textContent = t("contributions.downloading");
  try {
    const response = await api(`${BASE}${query({ format: "csv" })}`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: CSV_NAME, hidden: true }, CSV_NAME);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
    status.textContent = t("contributions.downloaded");
  } catch (error) {
    status.textContent = error?.status === 0 ? t("common.offline_unavailable") : t("common.error");
  } finally {
    button.disabled = false;
  }
}

/** The signed passbook (sổ BHXH) as a PDF in the current language, saved through a blob URL. */
async function downloadPassbook(button, status) {
  button.disabled = true;
  status.textContent = t("contributions.passbook_preparing");
  try {
    const response = await api(`${BASE}.pdf?lang=${currentLanguage()}`, { raw: true });
    const name = /filename="?([^";]+)"?/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? PASSBOOK_NAME;
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: name, hidden: true }, name);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
    status.textContent = t("contributions.passbook_done");
  } catch (error) {
    status.textContent =
      error?.status === 0 ? t("common.offline_unavailable") : t("contributions.passbook_failed", { detail: error?.problem?.detail || t("common.error") });
  } finally {
    button.disabled = false;
  }
}
