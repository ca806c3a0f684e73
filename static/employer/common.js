// What the employer page's modules share: the state, texts, formatting, and the API with its tokens.

import { t } from "./i18n.js";

export const API = "/api/v1";
export const TOKENS_KEY = "ansinh.employer.tokens"; // sessionStorage: the session dies with the tab
export const LANG_KEY = "ansinh.employer.lang";

export const $ = (id) => document.getElementById(id);
export const state = { lang: localStorage.getItem(LANG_KEY) === "en" ? "en" : "vi", employers: [], code: null };
export const tr = (key, values) => t(state.lang, key, values);
// page.js sets what happens when the session cannot be renewed (back to sign-in).
export const hooks = { onSessionEnd: () => {} };

/** The acting employer's API path. */
export const base = () => `/employers/${encodeURIComponent(state.code)}`;

// ---- formatting ----------------------------------------------------------------------------------

export function money(value) {
  const text = Number(value ?? 0).toLocaleString("en-US");
  return `${state.lang === "vi" ? text.replaceAll(",", ".") : text} ₫`;
}

export function month(value) {
  const m = /^(\d{4})-(\d{2})$/.exec(value ?? "");
  return m && state.lang === "vi" ? `${m[2]}/${m[1]}` : String(value ?? "");
}

export function day(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value ?? "");
  if (!m) return String(value ?? "");
  return state.lang === "vi" ? `${m[3]}/${m[2]}/${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
}

export function moment(value) {
  const when = new Date(value);
  const locale = state.lang === "vi" ? "vi-VN" : "en-GB";
  return when.toLocaleString(locale, { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short" });
}

export function thisMonth() {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit" })
    .formatToParts(new Date());
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}`;
}

export function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export function fillTable(table, rows, emptyKey, columns) {
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

export function showError(element, text) {
  element.textContent = text ?? "";
  element.hidden = !text;
}

// ---- the API -------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

export function tokens() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKENS_KEY));
  } catch {
    return null;
  }
}

export async function refresh() {
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

export async function api(path, { method = "GET", body, headers = {}, retry = true } = {}) {
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
    hooks.onSessionEnd(tr("error.session"));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, status: response.status, replayed: response.headers.get("Idempotent-Replayed") === "true" };
}

export function receiptLink(id) {
  const link = document.createElement("a");
  link.href = `#/receipt/${id}`;
  link.textContent = `${tr("declare.open_receipt")} #${id}`;
  return link;
}
