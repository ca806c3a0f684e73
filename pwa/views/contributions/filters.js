// Contributions · month filters: from / to, checked here; the history, totals and CSV follow them.

import { h } from "../../lib/dom.js";
import { t } from "../../lib/i18n.js";

// The filter survives re-renders of this screen (e.g. a language switch) but not a reload.
export const filters = { from: "", to: "" };

/** The query string of the current filter, plus ``extra`` parameters ("" when there is none). */
export function query(extra = {}) {
  const params = new URLSearchParams();
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The filter form; ``onChange`` reloads the history once a valid filter is applied or reset. */
export function filterForm(onChange) {
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
    await onChange();
  };
  const reset = async () => {
    from.value = "";
    to.value = "";
    error.hidden = true;
    from.removeAttribute("aria-invalid");
    to.removeAttribute("aria-invalid");
    filters.from = "";
    filters.to = "";
    await onChange();
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
