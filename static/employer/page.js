// The employer's page: an HR clerk signs in (password, then the code sent to them), picks one of their
// employers, and declares a month (declare.js), reads dues, payments and arrears, and prints a receipt of each
// declaration. Routes are hashes (#/workers, #/receipt/12…); no build step.

import {
  $,
  API,
  api,
  base,
  cell,
  day,
  fillTable,
  hooks,
  LANG_KEY,
  money,
  moment,
  month,
  receiptLink,
  showError,
  state,
  thisMonth,
  tokens,
  TOKENS_KEY,
  tr,
} from "./common.js";
import { addLine, onDeclare, onUpload, prepareDeclare, relabelLines } from "./declare.js";

const EMPLOYER_KEY = "ansinh.employer.code";
const TABS = ["workers", "declare", "dues", "arrears", "declarations", "receipt"];

// ---- language ------------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = tr(element.dataset.i18n);
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", tr(element.dataset.i18nLabel));
  }
  const toggle = $("lang-toggle");
  toggle.textContent = state.lang === "vi" ? "English" : "Tiếng Việt";
  toggle.lang = state.lang === "vi" ? "en" : "vi";
  document.title = `${tr("title")} · AnSinh`;
  relabelLines();
}

// ---- sign-in -------------------------------------------------------------------------------------

let challenge = null;

async function onSignIn(event) {
  event.preventDefault();
  showError($("signin-error"), "");
  const body = JSON.stringify({ username: $("username").value.trim(), password: $("password").value });
  try {
    const { data } = await api("/auth/login", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    challenge = data.challenge_id;
    $("code-sent").textContent = tr("signin.sent", { to: data.sent_to ?? "" });
    $("signin-form").hidden = true;
    $("code-form").hidden = false;
    $("code").focus();
  } catch (error) {
    showError($("signin-error"), error.problem?.detail ?? tr("error.generic"));
  }
}

async function onCode(event) {
  event.preventDefault();
  showError($("signin-error"), "");
  const body = JSON.stringify({ challenge_id: challenge, code: $("code").value.trim() });
  try {
    const { data } = await api("/auth/otp", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify(data));
    $("code-form").reset();
    await start();
  } catch (error) {
    showError($("signin-error"), error.problem?.detail ?? tr("error.generic"));
  }
}

function signOut(reason = null, sessionGone = false) {
  const current = tokens();
  sessionStorage.removeItem(TOKENS_KEY);
  if (current && !sessionGone) {
    // End the session on the server too (a citizen who signed in here by mistake leaves nothing open).
    fetch(`${API}/auth/logout`, { method: "POST", headers: { Authorization: `Bearer ${current.access_token}` } });
  }
  $("app-section").hidden = true;
  $("signout-button").hidden = true;
  $("signin-section").hidden = false;
  $("signin-form").hidden = false;
  $("code-form").hidden = true;
  showError($("signin-error"), reason ?? "");
}

// ---- the employer and its tabs ---------------------------------------------------------------------

async function start() {
  try {
    state.employers = (await api("/employers")).data;
  } catch (error) {
    signOut(error.status === 403 ? tr("signin.not_hr") : tr("error.generic"));
    return;
  }
  if (!state.employers.length) {
    signOut(tr("signin.not_hr"));
    return;
  }
  const saved = localStorage.getItem(EMPLOYER_KEY);
  state.code = state.employers.some((e) => e.code === saved) ? saved : state.employers[0].code;
  const select = $("employer-select");
  select.replaceChildren(
    ...state.employers.map((e) => new Option(`${e.name} (${e.code})`, e.code, false, e.code === state.code)),
  );
  $("signin-section").hidden = true;
  $("app-section").hidden = false;
  $("signout-button").hidden = false;
  showEmployerFacts();
  if (!location.hash || location.hash === "#/") location.hash = "#/workers";
  else route();
}

function showEmployerFacts() {
  const e = state.employers.find((x) => x.code === state.code);
  $("employer-facts").textContent = tr("employer.facts", { code: e.code, tax: e.tax_code ?? "—", region: e.wage_region });
}

async function route() {
  if (!tokens() || !state.code) return;
  const [, tab = "workers", id] = location.hash.split("/");
  const name = TABS.includes(tab) ? tab : "workers";
  for (const each of TABS) $(`tab-${each}`).hidden = each !== name;
  for (const link of document.querySelectorAll(".tabs a")) {
    if (link.dataset.tab === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  showError($("app-error"), "");
  try {
    if (name === "workers") await showWorkers();
    if (name === "dues") await showDues();
    if (name === "arrears") await showArrears();
    if (name === "declarations") await showDeclarations();
    if (name === "receipt") await showReceipt(id);
    if (name === "declare") prepareDeclare();
  } catch (error) {
    showError($("app-error"), error.problem?.detail ?? tr("error.generic"));
  }
}

async function showWorkers() {
  const { data } = await api(`${base()}/workers`);
  fillTable(
    $("workers-table"),
    data.map((w) => [
      cell(w.si_code),
      cell(w.full_name),
      cell(month(w.from_month)),
      cell(money(w.salary), "num"),
      cell(w.employed ? tr("yes") : tr("no")),
    ]),
    "workers.empty",
    5,
  );
}

async function showDues() {
  const input = $("dues-month");
  if (!input.value) input.value = thisMonth();
  const { data } = await api(`${base()}/dues?month=${encodeURIComponent(input.value)}`);
  fillTable(
    $("dues-table"),
    data.map((d) => [
      cell(d.si_code),
      cell(d.full_name),
      cell(money(d.salary_base), "num"),
      cell(money(d.employer_amount), "num"),
      cell(money(d.employee_amount), "num"),
      cell(money(d.paid), "num"),
      cell(money(d.owed), "num"),
    ]),
    "dues.empty",
    7,
  );
}

async function showArrears() {
  const [{ data: account }, { data: payments }, { data: plans }] = await Promise.all([
    api(`${base()}/arrears`),
    api(`${base()}/payments`),
    api(`${base()}/payment-plans`),
  ]);
  $("arrears-summary").textContent = tr("arrears.summary", {
    due: money(account.total_due),
    paid: money(account.total_paid),
    owed: money(account.total_owed),
    interest: money(account.total_interest),
    as_of: day(account.as_of),
  });
  $("arrears-rule").textContent = tr("arrears.rule", { rule: account.interest_rule });
  fillTable(
    $("arrears-table"),
    account.months.map((m) => [
      cell(month(m.month)),
      cell(money(m.due), "num"),
      cell(money(m.paid), "num"),
      cell(money(m.owed), m.owed > 0 ? "num owed" : "num"),
      cell(day(m.deadline)),
      cell(money(m.interest), "num"),
    ]),
    "dues.empty",
    6,
  );
  fillTable(
    $("payments-table"),
    payments.map((p) => [cell(day(p.paid_on)), cell(p.bank_ref), cell(money(p.amount), "num")]),
    "payments.empty",
    3,
  );
  fillTable(
    $("plans-table"),
    plans.map((p) => [
      cell(moment(p.recorded_at)),
      cell(money(p.total), "num"),
      cell(p.instalments.map((i) => `${day(i.due_on)}: ${money(i.amount)}`).join("; ")),
    ]),
    "plans.empty",
    3,
  );
}

async function showDeclarations() {
  const { data } = await api(`${base()}/declarations?limit=100`);
  fillTable(
    $("declarations-table"),
    data.items.map((d) => {
      const linkCell = cell("");
      linkCell.append(receiptLink(d.id));
      return [cell(month(d.month)), cell(moment(d.submitted_at)), cell(String(d.lines), "num"), linkCell];
    }),
    "declarations.empty",
    4,
  );
}

async function showReceipt(id) {
  const { data } = await api(`${base()}/declarations/${encodeURIComponent(id ?? "")}`);
  const facts = [
    ["receipt.employer", `${data.employer.name} (${data.employer.code})`],
    ["receipt.number", String(data.id)],
    ["receipt.month", month(data.month)],
    ["receipt.submitted_at", moment(data.submitted_at)],
    ["receipt.source", data.source.toUpperCase()],
  ];
  $("receipt-facts").replaceChildren(
    ...facts.flatMap(([key, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = tr(key);
      const dd = document.createElement("dd");
      dd.textContent = value;
      return [dt, dd];
    }),
  );
  fillTable(
    $("receipt-table"),
    data.lines.map((l) => [
      cell(String(l.row)),
      cell(tr(`kind.${l.kind}`)),
      cell(l.si_code),
      cell(l.full_name),
      cell(month(l.from_month)),
    ]),
    "declarations.empty",
    5,
  );
}

// ---- start ---------------------------------------------------------------------------------------

function init() {
  hooks.onSessionEnd = (reason) => signOut(reason, true);
  applyLanguage();
  $("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "vi" ? "en" : "vi";
    localStorage.setItem(LANG_KEY, state.lang);
    applyLanguage();
    if (state.code) {
      showEmployerFacts();
      route();
    }
  });
  $("signin-form").addEventListener("submit", onSignIn);
  $("code-form").addEventListener("submit", onCode);
  $("signout-button").addEventListener("click", () => signOut());
  $("employer-select").addEventListener("change", (event) => {
    state.code = event.target.value;
    localStorage.setItem(EMPLOYER_KEY, state.code);
    showEmployerFacts();
    route();
  });
  $("dues-form").addEventListener("submit", (event) => {
    event.preventDefault();
    route();
  });
  $("add-line").addEventListener("click", addLine);
  $("declare-form").addEventListener("submit", onDeclare);
  $("upload-form").addEventListener("submit", onUpload);
  $("print-button").addEventListener("click", () => window.print());
  window.addEventListener("hashchange", route);
  if (tokens()) start();
  else signOut();
  document.body.dataset.ready = "true";
}

init();
