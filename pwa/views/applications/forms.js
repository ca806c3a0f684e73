// Applications · the four kinds' forms: each gives its fields (parts) and reads them into the request's details.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { formatDate, formatMoney, parseBirthDate, t } from "../../lib/i18n.js";

const CATEGORIES = ["poor", "near_poor", "ethnic_minority", "other"];
const QUOTE_DELAY_MS = 300;

function field(id, labelText, input, hint = null) {
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, labelText),
    hint ? h("p", { class: "hint muted", id: hintId }, hint) : null,
    input,
  );
}

function cardReissueForm() {
  const note = h("textarea", { id: "app-note", name: "note", maxlength: 500, rows: 3 });
  const reasons = ["lost", "damaged"].map((reason) =>
    h(
      "label",
      { class: "choice" },
      h("input", { type: "radio", name: "reason", value: reason, required: true, checked: reason === "lost" }),
      h("span", {}, t(`applications.reason.${reason}`)),
    ),
  );
  const fieldset = h("fieldset", { class: "choices" }, h("legend", {}, t("applications.reason_label")), reasons);
  return {
    parts: [fieldset, field("app-note", t("applications.note"), note)],
    details() {
      const reason = fieldset.querySelector("input[name=reason]:checked")?.value;
      const details = { reason };
      if (note.value.trim()) details.note = note.value.trim();
      return details;
    },
  };
}

function facilityChangeForm() {
  const query = h("input", { id: "app-facility-query", type: "search", minlength: 2, maxlength: 100, autocomplete: "off" });
  const results = h("div", { class: "app-facilities", id: "app-facility-results", "aria-live": "polite" });
  const search = async () => {
    const q = query.value.trim();
    if (q.length < 2) {
      mount(results, h("p", { class: "error" }, t("applications.facility_short")));
      return;
    }
    mount(results, h("p", { class: "loading" }, t("app.loading")));
    try {
      const page = await api(`/api/v1/facilities?${new URLSearchParams({ q, limit: "10" })}`, { auth: false });
      if (!page.items.length) {
        mount(results, h("p", {}, t("lookups.no_results")));
        return;
      }
      mount(
        results,
        h(
          "fieldset",
          { class: "choices" },
          h("legend", {}, t("applications.facility_pick")),
          page.items.map((f, index) =>
            h(
              "label",
              { class: "choice" },
              h("input", { type: "radio", name: "facility_code", value: f.code, required: true, checked: index === 0 }),
              h("span", {}, h("strong", {}, `${f.code} — ${f.name}`), f.address ? h("span", { class: "muted app-small" }, f.address) : null),
            ),
          ),
        ),
      );
    } catch (error) {
      mount(results, h("p", { class: "error", role: "alert" }, problemMessage(error)));
    }
  };
  // Enter in the search box searches; it must not file the application.
  query.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      search();
    }
  });
  return {
    parts: [
      h("p", { class: "notice" }, t("applications.facility_quarter")),
      field("app-facility-query", t("applications.facility_query"), query),
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "app-facility-search", onclick: search }, t("lookups.search"))),
      results,
    ],
    details() {
      const code = results.querySelector("input[name=facility_code]:checked")?.value;
      if (!code) throw new Error(t("applications.facility_missing"));
      return { facility_code: code };
    },
  };
}

function infoCorrectionForm() {
  const name = h("input", { id: "app-full-name", name: "full_name", maxlength: 120, autocomplete: "name" });
  const birth = h("input", { id: "app-birth", name: "date_of_birth", inputmode: "numeric", maxlength: 10 });
  const sex = h(
    "select",
    { id: "app-sex", name: "sex" },
    h("option", { value: "" }, t("applications.unchanged")),
    h("option", { value: "M" }, t("applications.sex_m")),
    h("option", { value: "F" }, t("applications.sex_f")),
  );
  const address = h("input", { id: "app-address", name: "address", maxlength: 255, autocomplete: "street-address" });
  const note = h("textarea", { id: "app-note", name: "note", maxlength: 500, rows: 3 });
  return {
    parts: [
      h("p", { class: "muted" }, t("applications.correction_hint")),
      field("app-full-name", t("applications.field.full_name"), name),
      field("app-birth", t("applications.field.date_of_birth"), birth, t("applications.birth_hint")),
      field("app-sex", t("applications.field.sex"), sex),
      field("app-address", t("applications.field.address"), address),
      field("app-note", t("applications.note"), note),
    ],
    details() {
      const changes = {};
      if (name.value.trim()) changes.full_name = name.value.trim();
      if (birth.value.trim()) {
        const parsed = parseBirthDate(birth.value);
        if (!parsed || !/^\d{4}-\d{2}-\d{2}$/.test(parsed)) {
          birth.focus();
          throw new Error(t("applications.birth_invalid"));
        }
        changes.date_of_birth = parsed;
      }
      if (sex.value) changes.sex = sex.value;
      if (address.value.trim()) changes.address = address.value.trim();
      if (!Object.keys(changes).length) {
        name.focus();
        throw new Error(t("applications.correction_empty"));
      }
      const details = { changes };
      if (note.value.trim()) details.note = note.value.trim();
      return details;
    },
  };
}

/** "3.000.000" or "3,000,000 ₫" → 3000000; null when there is no digit. */
export function parseMoney(text) {
  const digits = String(text ?? "").replace(/\D/g, "");
  return digits ? Number(digits) : null;
}

function nextMonth() {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
  let [year, month] = today.split("-").map(Number);
  month += 1;
  if (month > 12) [year, month] = [year + 1, 1];
  return `${year}-${String(month).padStart(2, "0")}`;
}

function voluntaryForm() {
  const income = h("input", { id: "app-income", name: "monthly_income", inputmode: "numeric", required: true, maxlength: 14, autocomplete: "off" });
  const category = h(
    "select",
    { id: "app-category", name: "category" },
    CATEGORIES.map((c) => h("option", { value: c, selected: c === "other" }, t(`applications.category.${c}`))),
  );
  const month = h("input", { id: "app-first-month", name: "first_month", type: "month", required: true, value: nextMonth() });
  const quote = h("div", { class: "panel app-quote", id: "app-quote", "aria-live": "polite" }, h("p", { class: "muted" }, t("applications.quote_enter")));
  let timer = null;
  let asked = 0;

  const showQuote = async () => {
    const amount = parseMoney(income.value);
    if (amount === null) {
      mount(quote, h("p", { class: "muted" }, t("applications.quote_enter")));
      return;
    }
    const ticket = ++asked;
    const params = new URLSearchParams({ monthly_income: String(amount), category: category.value });
    try {
      const q = await api(`/api/v1/reference/voluntary-contribution?${params}`, { auth: false });
      if (ticket !== asked) return; // an older answer arriving late must not overwrite the newer one
      mount(
        quote,
        h("h2", {}, t("applications.quote_title")),
        h(
          "dl",
          { class: "fields" },
          h("dt", {}, t("applications.quote_contribution", { rate: q.rate_percent })),
          h("dd", { dataset: { quote: "contribution" } }, formatMoney(q.contribution)),
          h("dt", {}, t("applications.quote_support")),
          h("dd", { dataset: { quote: "state_support" } }, formatMoney(q.state_support)),
          h("dt", {}, t("applications.quote_you_pay")),
          h("dd", { dataset: { quote: "you_pay" }, class: "app-you-pay" }, formatMoney(q.you_pay)),
        ),
        h("p", { class: "muted app-small" }, t("applications.quote_range", { min: formatMoney(q.poverty_line), max: formatMoney(q.income_cap), date: formatDate(q.on) })),
      );
    } catch (error) {
      if (ticket !== asked) return;
      mount(quote, h("p", { class: "error", role: "alert" }, problemMessage(error)));
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(showQuote, QUOTE_DELAY_MS);
  };
  income.addEventListener("input", later);
  category.addEventListener("change", showQuote);

  return {
    parts: [
      field("app-income", t("applications.income"), income, t("applications.income_hint")),
      field("app-category", t("applications.category_label"), category),
      field("app-first-month", t("applications.first_month"), month),
      quote,
    ],
    details() {
      const amount = parseMoney(income.value);
      if (amount === null) {
        income.focus();
        throw new Error(t("applications.quote_enter"));
      }
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month.value)) {
        month.focus();
        throw new Error(t("contributions.filter_format"));
      }
      return { monthly_income: amount, category: category.value, first_month: month.value };
    },
  };
}

export const FORMS = {
  card_reissue: cardReissueForm,
  facility_change: facilityChangeForm,
  info_correction: infoCorrectionForm,
  voluntary_registration: voluntaryForm,
};
