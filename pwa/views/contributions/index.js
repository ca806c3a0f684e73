// #/contributions: the contribution history (quá trình đóng) grouped by employer, its totals, a hand-drawn
// salary chart with a table fallback, month filters, the CSV export and the month-by-month ledger.
// Each part is its own module here; this one lays them out and loads the history.

import { api } from "../../lib/api.js";
import { h, mount, useStyles } from "../../lib/dom.js";
import { failurePanel } from "../../lib/feedback.js";
import { formatMonth, t } from "../../lib/i18n.js";
import { chartPanel } from "./chart.js";
import { BASE } from "./common.js";
import { downloadCsv, downloadPassbook } from "./export.js";
import { filterForm, filters, query } from "./filters.js";
import { ledgerPanel } from "./ledger.js";
import { summaryPanel } from "./summary.js";
import { timeline } from "./timeline.js";

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
      filterForm(async () => {
        status.textContent = "";
        await load(results);
      }),
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

async function load(results) {
  results.setAttribute("aria-busy", "true");
  try {
    const data = await api(`${BASE}${query()}`);
    mount(results, ...content(data));
  } catch (error) {
    mount(results, failurePanel(error, () => load(results)));
  } finally {
    results.removeAttribute("aria-busy");
  }
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
