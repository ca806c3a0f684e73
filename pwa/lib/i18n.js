// Texts come from pwa/locales/{vi,en}.json; Vietnamese by default. Dates dd/mm/yyyy, money "1.234.567 ₫".

const LANG_KEY = "ansinh.lang";
export const LANGUAGES = ["vi", "en"];
let texts = {};
let lang = "vi";

export function currentLanguage() {
  return lang;
}

export async function loadLanguage(requested) {
  const wanted = LANGUAGES.includes(requested) ? requested : localStorage.getItem(LANG_KEY) || "vi";
  const response = await fetch(`/pwa/locales/${wanted}.json`);
  texts = await response.json();
  lang = wanted;
  localStorage.setItem(LANG_KEY, wanted);
  document.documentElement.lang = wanted;
  translateStatic(document);
}

/** t("app.loading") or t(key, {months: 2}) for "{months}" placeholders; a missing key shows itself. */
export function t(key, params = {}) {
  const text = key.split(".").reduce((node, part) => (node == null ? undefined : node[part]), texts);
  if (typeof text !== "string") return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Elements carrying data-i18n (and data-i18n-attr="aria-label") get their text from the locale. */
export function translateStatic(root) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    const attr = element.dataset.i18nAttr;
    if (attr) element.setAttribute(attr, t(element.dataset.i18n));
    else element.textContent = t(element.dataset.i18n);
  }
}

function locale() {
  return lang === "vi" ? "vi-VN" : "en-GB";
}

/** "2026-05-17" (or "2026-05-17T…", or a Date) → "17/05/2026"; a bare year stays a year. */
export function formatDate(value) {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "string" && /^\d{4}$/.test(value)) return value;
  const text = value instanceof Date ? value.toISOString() : String(value);
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!match || text.length > 10) {
    const moment = value instanceof Date ? value : new Date(text);
    return new Intl.DateTimeFormat(locale(), {
      day: "2-digit", month: "2-digit", year: "numeric", timeZone: "Asia/Ho_Chi_Minh",
    }).format(moment);
  }
  return `${match[3]}/${match[2]}/${match[1]}`;
}

/** A date and time in Vietnam time: "25/11/2026 08:30". */
export function formatDateTime(value) {
  const moment = value instanceof Date ? value : new Date(value);
  const parts = new Intl.DateTimeFormat("en-GB", {
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    hour12: false, timeZone: "Asia/Ho_Chi_Minh",
  }).formatToParts(moment);
  const get = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("day")}/${get("month")}/${get("year")} ${get("hour")}:${get("minute")}`;
}

/** 1234567 → "1.234.567 ₫" in Vietnamese, "₫1,234,567" in English. */
export function formatMoney(amount) {
  if (amount === null || amount === undefined) return "";
  if (lang === "vi") return `${Math.round(amount).toLocaleString("vi-VN").replace(/,/g, ".")} ₫`;
  return `₫${Math.round(amount).toLocaleString("en-GB")}`;
}

/** "2026-05" → "05/2026". */
export function formatMonth(month) {
  const match = /^(\d{4})-(\d{2})$/.exec(month ?? "");
  return match ? `${match[2]}/${match[1]}` : String(month ?? "");
}

/** "17/05/1990" or "1990" (or "1990-05-17") → "1990-05-17" / "1990"; null when it is neither. */
export function parseBirthDate(text) {
  const value = text.trim();
  if (/^\d{4}$/.test(value) || /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (!match) return null;
  return `${match[3]}-${match[2].padStart(2, "0")}-${match[1].padStart(2, "0")}`;
}
