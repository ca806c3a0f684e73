// What the contributions sections share: the API path, a period's months as words, a scrollable table.

import { h } from "../../lib/dom.js";
import { formatMonth, t } from "../../lib/i18n.js";

export const BASE = "/api/v1/me/contributions";

/** "From – to" months of a period, in the current language. */
export function periodLabel(period) {
  return t("contributions.period_months", { from: formatMonth(period.from_month), to: formatMonth(period.to_month) });
}

/** A wide table in a focusable region that scrolls sideways on a phone, named by the table's caption. */
export function scrollTable(captionId, ...children) {
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": captionId },
    h("table", {}, ...children),
  );
}
