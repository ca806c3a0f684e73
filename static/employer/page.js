// The employer's page: an HR clerk signs in (password, then the code sent to them), picks one of their
// employers, and declares a month (line by line or a D02-LT file), reads dues, payments and arrears, and
// prints a receipt of each declaration. Routes are hashes (#/workers, #/receipt/12…); no build step.

import { t, TEXTS } from "./i18n.js";

const API = "/api/v1";
const TOKENS_KEY = "ansinh.employer.tokens"; // sessionStorage: the session dies with the tab
const EMPLOYER_KEY = "ansinh.employer.code";
const LANG_KEY = "ansinh.employer.lang";
const TABS = ["workers", "declare", "dues", "arrears", "declarations", "receipt"];
const KINDS = ["hire", "leave", "salary"];
const REASONS = ["stopped", "moved_out_of_province", "moved_within_province", "retired", "deceased"];

const $ = (id) => document.getElementById(id);
const state = { lang: localStorage.getItem(LANG_KEY) === "en" ? "en" : "vi", employers: [], code: null };
const tr = (key, values) => t(state.lang, key, values);

// ---- formatting ----------------------------------------------------------------------------------

function money(value) {
  const text = Number(value ?? 0).toLocaleString("en-US");
  return `${state.lang === "vi" ? text.replaceAll(",", ".") : text} ₫`;
}

function month(value) {
  const m = /^(\d{4})-(\d{2})$/.exec(value ?? "");
  return m && state.lang === "vi" ? `${m[2]}/${m[1]}` : String(value ?? "");
}

function day(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value ?? "");
  if (!m) return String(value ?? "");
  return state.lang === "vi" ? `${m[3]}/${m[2]}/${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
}

function moment(value) {
  const when = new Date(value);
  const locale = state.lang === "vi" ? "vi-VN" : "en-GB";
  return when.toLocaleString(locale, { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short" });
}

function thisMonth() {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit" })
    .formatToParts(new Date());
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}`;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillTable(table, rows, emptyKey, columns) {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (!rows.length) {
    const tr_ = document.createElement("tr");
    const td = cell(tr(emptyKey));
    td.colSpan = columns;
    tr_.append(td);
    body.append(tr_);
    return;
  }
  for (const cells of rows) {
    const row = document.createElement("tr");
    row.append(...cells);
    body.append(row);
  }
}

function showError(element, text) {
  element.textContent = text ?? "";
  element.hidden = !text;
}

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

/** The declaration lines' labels and choices in the language now in use. */
function relabelLines() {
  [...$("lines-table").tBodies[0].rows].forEach((row, index) => {
    for (const element of row.querySelectorAll("[data-field]")) labelled(element, index + 1, element.dataset.field);
    for (const option of row.querySelectorAll('[name="kind"] option')) option.text = tr(`kind.${option.value}`);
    for (const option of row.querySelectorAll('[name="reason"] option')) {
      option.text = tr(option.value ? `reason.${option.value}` : "reason.none");
    }
  });
}

// ---- the API -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

function tokens() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKENS_KEY));
  } catch {
    return null;
  }
}

async function refresh() {
  const current = tokens();
  if (!current?.refresh_token) return false;
  const response = await fetch(`${API}/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: current.refresh_token }),
  });
  if (!response.ok) return false;
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(await response.json()));
  return true;
}

async function api(path, { method = "GET", body, headers = {}, retry = true } = {}) {
  const current = tokens();
  const auth = current ? { Authorization: `Bearer ${current.access_token}` } : {};
  const response = await fetch(`${API}${path}`, {
    method,
    body,
    headers: { "Accept-Language": state.lang, ...auth, ...headers },
  });
  if (response.status === 401 && current && retry && (await refresh())) {
    return api(path, { method, body, headers, retry: false });
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401 && current) {
    signOut(tr("error.session"));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, status: response.status, replayed: response.headers.get("Idempotent-Replayed") === "true" };
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

function signOut(reason) {
  const current = tokens();
  sessionStorage.removeItem(TOKENS_KEY);
  if (current && !reason) {
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

const base = () => `/employers/${encodeURIComponent(state.code)}`;

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
  const [{ data: account }, { data: payments }] = await Promise.all([
    api(`${base()}/arrears`),
    api(`${base()}/payments`),
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
}

function receiptLink(id) {
  const link = document.createElement("a");
  link.href = `#/receipt/${id}`;
  link.textContent = `${tr("declare.open_receipt")} #${id}`;
  return link;
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

// ---- declaring -----------------------------------------------------------------------------------

function prepareDeclare() {
  for (const id of ["declare-month", "upload-month"]) if (!$(id).value) $(id).value = thisMonth();
  if (!$("lines-table").tBodies[0].rows.length) addLine();
}

function labelled(element, n, fieldKey) {
  element.setAttribute("aria-label", tr("line.label", { n, field: tr(fieldKey) }));
  element.dataset.field = fieldKey;
  return element;
}

function addLine() {
  const body = $("lines-table").tBodies[0];
  const n = body.rows.length + 1;
  const row = document.createElement("tr");
  const kind = labelled(document.createElement("select"), n, "col.kind");
  kind.name = "kind";
  kind.append(...KINDS.map((k) => new Option(tr(`kind.${k}`), k)));
  const input = (name, key, attrs = {}) => {
    const element = labelled(document.createElement("input"), n, key);
    element.name = name;
    Object.assign(element, attrs);
    return element;
  };
  const reason = labelled(document.createElement("select"), n, "col.reason");
  reason.name = "reason";
  reason.append(new Option(tr("reason.none"), ""), ...REASONS.map((r) => new Option(tr(`reason.${r}`), r)));
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link";
  remove.textContent = "×";
  labelled(remove, n, "declare.remove");
  remove.addEventListener("click", () => row.remove());
  const fields = [
    kind,
    input("si_code", "col.si_code", { inputMode: "numeric", maxLength: 10 }),
    input("full_name", "col.full_name", { maxLength: 120 }),
    input("salary", "col.salary", { inputMode: "numeric" }),
    input("from_month", "col.from_month", { type: "month", value: $("declare-month").value || thisMonth() }),
    reason,
    remove,
  ];
  row.append(cell(String(n)), ...fields.map((f) => {
    const td = document.createElement("td");
    td.append(f);
    return td;
  }));
  body.append(row);
}

function readLines() {
  return [...$("lines-table").tBodies[0].rows].map((row) => {
    const value = (name) => row.querySelector(`[name="${name}"]`).value.trim();
    const line = { kind: value("kind"), si_code: value("si_code") || null, from_month: value("from_month") };
    if (value("full_name")) line.full_name = value("full_name");
    const salary = value("salary").replace(/[.,\s]/g, "");
    if (salary) line.salary = Number(salary);
    if (value("reason")) line.reason = value("reason");
    return line;
  });
}

function clearProblems() {
  for (const element of document.querySelectorAll("#lines-table [aria-invalid]")) {
    element.removeAttribute("aria-invalid");
    element.removeAttribute("aria-describedby");
  }
  for (const element of document.querySelectorAll("#lines-table .cell-error")) element.remove();
  $("problems").hidden = true;
  $("declare-result").replaceChildren();
}

function showProblems(errors, inTable) {
  const rows = inTable ? $("lines-table").tBodies[0].rows : [];
  fillTable(
    $("problems-table"),
    errors.map((e) => [cell(String(e.row)), cell(e.column), cell(`${e.message} (${e.code})`)]),
    "declarations.empty",
    3,
  );
  $("problems").hidden = false;
  errors.forEach((e, index) => {
    const row = rows[e.row - 1];
    const field = row?.querySelector(`[name="${e.column}"]`);
    if (!field) return;
    const note = document.createElement("p");
    note.className = "cell-error";
    note.id = `problem-${index}`;
    note.textContent = e.message;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", note.id);
    field.after(note);
  });
}

function showApplied(data, replayed) {
  const message = document.createElement("p");
  message.className = "ok";
  message.textContent = replayed
    ? tr("declare.replayed")
    : tr("declare.applied", { count: data.lines.length, month: month(data.month) });
  message.append(" ", receiptLink(data.id));
  $("declare-result").replaceChildren(message);
}

async function submitDeclaration(path, options, inTable, button) {
  clearProblems();
  button.disabled = true;
  try {
    const { data, replayed } = await api(path, options);
    showApplied(data, replayed);
    return true;
  } catch (error) {
    if (error.problem?.errors) showProblems(error.problem.errors, inTable);
    else showError($("app-error"), error.problem?.detail ?? tr("error.generic"));
    return false;
  } finally {
    button.disabled = false;
  }
}

async function onDeclare(event) {
  event.preventDefault();
  const body = JSON.stringify({ month: $("declare-month").value, lines: readLines() });
  const headers = { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() };
  const done = await submitDeclaration(`${base()}/declarations`, { method: "POST", body, headers }, true, $("declare-submit"));
  if (done) {
    $("lines-table").tBodies[0].replaceChildren();
    addLine();
  }
}

async function onUpload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  const xlsx = file.name.toLowerCase().endsWith(".xlsx");
  const headers = {
    "Content-Type": xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv",
    "Idempotency-Key": crypto.randomUUID(),
  };
  const path = `${base()}/declarations/upload?month=${encodeURIComponent($("upload-month").value)}`;
  const button = event.submitter ?? $("upload-form").querySelector("button");
  await submitDeclaration(path, { method: "POST", body: await file.arrayBuffer(), headers }, false, button);
}

// ---- start ---------------------------------------------------------------------------------------

function init() {
  if (Object.keys(TEXTS.vi).length !== Object.keys(TEXTS.en).length) console.warn("employer texts differ");
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
