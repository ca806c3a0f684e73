// Public-service applications (dịch vụ công): the list with status chips, a chooser of the four kinds with a
// form each, and one application's timeline. One Idempotency-Key per form, so a double tap files once.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { formatDate, formatDateTime, formatMoney, formatMonth, parseBirthDate, t } from "../lib/i18n.js";
import { navigate } from "../lib/router.js";
import { problemMessage } from "./signin.js";

const BASE = "/api/v1/me/applications";
const PAGE = 20;
export const KINDS = ["card_reissue", "facility_change", "info_correction", "voluntary_registration"];
const CATEGORIES = ["poor", "near_poor", "ethnic_minority", "other"];
// The way an application normally goes; rejected and withdrawn end it early.
const FLOW = ["submitted", "in_review", "approved", "done"];
const QUOTE_DELAY_MS = 300;

// Said once on the detail screen right after filing (kept across the route change, then dropped).
let justFiled = null;

/** The chip colour of a status: waiting, good, bad or neutral. */
export function statusTone(status) {
  if (status === "approved" || status === "done") return "ok";
  if (status === "rejected") return "bad";
  if (status === "submitted" || status === "in_review") return "warn";
  return "";
}

function chip(status) {
  return h("span", { class: `badge app-chip ${statusTone(status)}`, dataset: { status } }, t(`applications.status.${status}`));
}

function stillOn(prefix) {
  return location.hash.startsWith(prefix);
}

export async function render(root, param = "") {
  useStyles("/pwa/styles/services.css");
  const [first, second] = param.split("/");
  if (!first) return renderList(root);
  if (first === "new" && KINDS.includes(second)) return renderForm(root, second);
  if (first === "new") return renderChooser(root);
  if (/^\d+$/.test(first)) return renderDetail(root, first);
  return renderList(root);
}

// ---- the list -------------------------------------------------------------------------------------

async function renderList(root) {
  const list = h("ul", { class: "list app-list", id: "applications-list" });
  const status = h("p", { role: "status", class: "muted" });
  const more = h("button", { type: "button", class: "secondary", id: "applications-more", hidden: true }, t("applications.more"));
  let offset = 0;

  async function load() {
    let page;
    try {
      page = await api(`${BASE}?limit=${PAGE}&offset=${offset}`);
    } catch (error) {
      status.className = "error";
      status.setAttribute("role", "alert");
      status.textContent = problemMessage(error);
      return;
    }
    if (!stillOn("#/applications")) return;
    if (offset === 0 && !page.items.length) mount(list, h("li", { class: "muted" }, t("applications.none")));
    else list.append(...page.items.map(row));
    offset = page.offset + page.items.length;
    status.textContent = page.total ? t("applications.count", { count: page.total }) : "";
    more.hidden = offset >= page.total;
  }

  more.addEventListener("click", load);
  mount(
    root,
    h(
      "div",
      { class: "services-view" },
      h("h1", {}, t("applications.title")),
      h("p", { class: "muted" }, t("applications.intro")),
      h("p", {}, h("a", { class: "button", href: "#/applications/new", id: "applications-new" }, t("applications.new"))),
      status,
      list,
      more,
    ),
  );
  await load();
}

function row(item) {
  return h(
    "li",
    { class: "app-row", dataset: { applicationId: item.id, status: item.status } },
    h(
      "a",
      { href: `#/applications/${item.id}`, class: "app-row-link" },
      h("span", { class: "app-row-title" }, t(`applications.kind.${item.kind}`)),
      h("span", { class: "muted app-row-meta" }, t("applications.reference_short", { reference: item.reference }), " · ", formatDate(item.created_at)),
    ),
    chip(item.status),
  );
}

// ---- the chooser ----------------------------------------------------------------------------------

function renderChooser(root) {
  mount(
    root,
    h(
      "div",
      { class: "services-view" },
      h("p", {}, h("a", { href: "#/applications" }, t("applications.back"))),
      h("h1", {}, t("applications.new_title")),
      h("p", { class: "muted" }, t("applications.choose")),
      h(
        "ul",
        { class: "app-kinds" },
        KINDS.map((kind) =>
          h(
            "li",
            {},
            h(
              "a",
              { class: "app-kind", href: `#/applications/new/${kind}`, dataset: { kind } },
              h("strong", {}, t(`applications.kind.${kind}`)),
              h("span", { class: "muted" }, t(`applications.kind_hint.${kind}`)),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---- the forms ------------------------------------------------------------------------------------

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

const FORMS = {
  card_reissue: cardReissueForm,
  facility_change: facilityChangeForm,
  info_correction: infoCorrectionForm,
  voluntary_registration: voluntaryForm,
};

function renderForm(root, kind) {
  const idempotencyKey = crypto.randomUUID(); // one per form instance: retries and double taps reuse it
  const body = FORMS[kind]();
  const error = h("p", { class: "error form-error", role: "alert", id: "app-form-error" });
  const submit = h("button", { type: "submit", id: "app-submit" }, t("applications.submit"));
  let sending = false;

  const form = h(
    "form",
    {
      class: "panel app-form",
      dataset: { kind },
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        if (sending) return;
        error.textContent = "";
        let details;
        try {
          details = body.details();
        } catch (failure) {
          error.textContent = failure.message;
          return;
        }
        sending = true;
        submit.disabled = true;
        submit.textContent = t("applications.sending");
        try {
          const view = await api(BASE, { method: "POST", body: { kind, details }, headers: { "Idempotency-Key": idempotencyKey } });
          justFiled = { id: view.id, reference: view.reference };
          navigate("applications", String(view.id));
        } catch (failure) {
          error.textContent = problemMessage(failure);
          submit.disabled = false;
          submit.textContent = t("applications.submit");
          sending = false;
        }
      },
    },
    body.parts,
    error,
    h("div", { class: "actions" }, submit),
  );
  mount(
    root,
    h(
      "div",
      { class: "services-view" },
      h("p", {}, h("a", { href: "#/applications/new" }, t("applications.back_choose"))),
      h("h1", {}, t(`applications.kind.${kind}`)),
      h("p", { class: "muted" }, t(`applications.kind_hint.${kind}`)),
      form,
    ),
  );
}

// ---- one application --------------------------------------------------------------------------------

/** The steps to draw: those reached (from the timeline), then the ones still ahead on the normal way. */
export function timelineSteps(view) {
  const reached = [...(view.timeline ?? [])].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  const steps = reached.map((step, index) => ({ ...step, state: index === reached.length - 1 ? "current" : "done" }));
  const position = FLOW.indexOf(view.status);
  if (position >= 0) for (const status of FLOW.slice(position + 1)) steps.push({ status, at: null, note: null, state: "upcoming" });
  return steps;
}

/** The rows (dt, dd) saying what was asked for, in the kind's own words. */
function detailRows(view) {
  const d = view.details ?? {};
  const rows = [];
  const add = (label, value) => {
    if (value !== undefined && value !== null && value !== "") rows.push(h("dt", {}, label), h("dd", {}, value));
  };
  if (view.kind === "card_reissue") {
    add(t("applications.reason_label"), d.reason ? t(`applications.reason.${d.reason}`) : null);
    add(t("applications.note_label"), d.note);
  } else if (view.kind === "facility_change") {
    add(t("applications.facility"), d.facility_name ? `${d.facility_code} — ${d.facility_name}` : d.facility_code);
  } else if (view.kind === "info_correction") {
    const changes = d.changes ?? {};
    for (const name of ["full_name", "date_of_birth", "sex", "address"]) {
      if (!(name in changes)) continue;
      let value = changes[name];
      if (name === "date_of_birth") value = formatDate(value);
      if (name === "sex") value = t(value === "M" ? "applications.sex_m" : "applications.sex_f");
      add(t(`applications.field.${name}`), value);
    }
    add(t("applications.note_label"), d.note);
  } else if (view.kind === "voluntary_registration") {
    add(t("applications.income"), formatMoney(d.monthly_income));
    add(t("applications.category_label"), d.category ? t(`applications.category.${d.category}`) : null);
    add(t("applications.first_month"), d.first_month ? formatMonth(d.first_month) : null);
    // The quote the server priced the application at (its rules on that date), not the one typed against.
    if (d.quote) add(t("applications.quote_you_pay"), formatMoney(d.quote.you_pay));
  }
  return rows;
}

function timeline(view) {
  return h(
    "ol",
    { class: "app-timeline", "aria-label": t("applications.timeline") },
    timelineSteps(view).map((step) =>
      h(
        "li",
        { class: `app-step app-step-${step.state}`, dataset: { status: step.status, state: step.state } },
        h("span", { class: "app-step-dot", "aria-hidden": "true" }),
        h(
          "div",
          { class: "app-step-body" },
          h("strong", {}, t(`applications.status.${step.status}`)),
          step.state === "upcoming"
            ? h("span", { class: "muted app-small" }, t("applications.upcoming"))
            : h("time", { class: "muted app-small", datetime: step.at }, formatDateTime(step.at)),
          // A rejection's note is its reason: said once, introduced as the reason.
          step.status === "rejected" && view.reason
            ? h("span", { class: "app-step-note" }, t("applications.reason_text", { reason: view.reason }))
            : step.note
              ? h("span", { class: "app-step-note" }, step.note)
              : null,
        ),
      ),
    ),
  );
}

async function renderDetail(root, id) {
  mount(root, h("h1", {}, t("applications.title")), h("p", { class: "loading", role: "status" }, t("app.loading")));
  const flash = justFiled && String(justFiled.id) === id ? justFiled : null;
  justFiled = null;
  let view;
  try {
    view = await api(`${BASE}/${encodeURIComponent(id)}`);
  } catch (error) {
    mount(
      root,
      h("p", {}, h("a", { href: "#/applications" }, t("applications.back"))),
      h("h1", {}, t("applications.title")),
      h("p", { class: "error", role: "alert" }, problemMessage(error)),
    );
    return;
  }
  if (!stillOn(`#/applications/${id}`)) return;
  draw(root, view, flash ? t("applications.filed", { reference: view.reference }) : null);
}

function draw(root, view, message, alert = false) {
  const status = h("p", { class: alert ? "error" : "ok", role: alert ? "alert" : "status", id: "app-message" }, message ?? "");
  const withdraw = view.can_withdraw
    ? h(
        "button",
        {
          type: "button",
          class: "danger",
          id: "app-withdraw",
          onclick: async (event) => {
            if (!window.confirm(t("applications.withdraw_confirm"))) return;
            event.currentTarget.disabled = true;
            try {
              const updated = await api(`${BASE}/${view.id}/withdraw`, { method: "POST" });
              draw(root, updated, t("applications.withdrawn"));
            } catch (error) {
              draw(root, view, problemMessage(error), true);
            }
            document.getElementById("app-message")?.focus();
          },
        },
        t("applications.withdraw"),
      )
    : null;
  status.tabIndex = -1;
  // A refused or withdrawn change never takes effect: its date would only mislead.
  const effective = view.effective_from && !["rejected", "withdrawn"].includes(view.status);
  mount(
    root,
    h(
      "div",
      { class: "services-view app-detail", dataset: { applicationId: view.id, status: view.status } },
      h("p", {}, h("a", { href: "#/applications" }, t("applications.back"))),
      h("h1", {}, t(`applications.kind.${view.kind}`)),
      message ? status : null,
      h(
        "section",
        { class: "panel", "aria-labelledby": "app-summary-title" },
        h("h2", { id: "app-summary-title" }, t("applications.summary")),
        h(
          "dl",
          { class: "fields app-details" },
          h("dt", {}, t("applications.reference")),
          h("dd", { id: "app-reference" }, view.reference),
          h("dt", {}, t("applications.status_label")),
          h("dd", {}, chip(view.status)),
          h("dt", {}, t("applications.filed_at")),
          h("dd", {}, formatDateTime(view.created_at)),
          effective ? [h("dt", {}, t("applications.effective_from")), h("dd", { id: "app-effective" }, formatDate(view.effective_from))] : null,
          detailRows(view),
        ),
        view.kind === "facility_change" && effective
          ? h("p", { class: "notice app-effective-note" }, t("applications.effective_note", { date: formatDate(view.effective_from) }))
          : null,
        view.status === "rejected" && view.reason
          ? h("p", { class: "app-rejected", id: "app-reason" }, t("applications.reason_text", { reason: view.reason }))
          : null,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "app-timeline-title" },
        h("h2", { id: "app-timeline-title" }, t("applications.timeline")),
        timeline(view),
      ),
      withdraw ? h("div", { class: "actions" }, withdraw) : null,
    ),
  );
}
