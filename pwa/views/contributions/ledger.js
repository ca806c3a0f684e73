// Contributions · the month-by-month ledger: each month and fund with both shares, loaded when first opened.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { unavailableText } from "../../lib/feedback.js";
import { formatMoney, formatMonth, t } from "../../lib/i18n.js";
import { BASE, scrollTable } from "./common.js";

const LEDGER_PAGE = 24;

export function ledgerPanel() {
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
      count.textContent = unavailableText(error);
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
