// The health-insurance card: laid out like the printed one, a signed QR refreshed every minute, a 7-day
// offline pass kept in IndexedDB for when there is no network, and the receipts of every clinic check.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { currentLanguage, formatDate, formatDateTime, t } from "../lib/i18n.js";
import { kv } from "../lib/store.js";

const PASS_KEY = "card.offline-pass";
const REFRESH_EVERY_MS = 60_000;
const PASS_MIN_LEFT_MS = 2 * 24 * 3600 * 1000;
const CHECKS_PAGE = 10;

let stopCurrent = null;

/** The view's life: timers, the wake lock and listeners end together when the user leaves. */
function lifecycle() {
  const life = { alive: true, timers: new Set(), wakeLock: null, cleanups: [] };
  life.every = (ms, fn) => {
    const id = setInterval(fn, ms);
    life.timers.add(id);
    return id;
  };
  life.later = (ms, fn) => {
    const id = setTimeout(() => {
      life.timers.delete(id);
      fn();
    }, ms);
    life.timers.add(id);
    return id;
  };
  life.stop = () => {
    if (!life.alive) return;
    life.alive = false;
    for (const id of life.timers) {
      clearInterval(id);
      clearTimeout(id);
    }
    life.timers.clear();
    for (const cleanup of life.cleanups) cleanup();
    life.wakeLock?.release().catch(() => {});
    life.wakeLock = null;
  };
  return life;
}

async function keepAwake(life) {
  if (!("wakeLock" in navigator)) return;
  const acquire = async () => {
    if (!life.alive || document.visibilityState !== "visible" || life.wakeLock) return;
    try {
      const lock = await navigator.wakeLock.request("screen");
      if (!life.alive) {
        lock.release().catch(() => {});
        return;
      }
      life.wakeLock = lock;
      lock.addEventListener("release", () => {
        if (life.wakeLock === lock) life.wakeLock = null;
      });
    } catch {
      // Refused (battery saver, no user gesture yet): the card still works, the screen may dim.
    }
  };
  document.addEventListener("visibilitychange", acquire);
  life.cleanups.push(() => document.removeEventListener("visibilitychange", acquire));
  await acquire();
}

function svgDataUrl(svgText) {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
}

async function fetchQrSvg(token) {
  const response = await api(`/api/v1/me/card/qr.svg?token=${encodeURIComponent(token)}`, { raw: true });
  return response.text();
}

function statusBadge(card) {
  let key = "active";
  let tone = "ok";
  if (card.status === "revoked") [key, tone] = ["revoked", "bad"];
  else if (card.status === "suspended") [key, tone] = ["suspended", "bad"];
  else if (card.in_force === false) [key, tone] = ["expired", "bad"];
  return h("span", { class: `badge ${tone}`, dataset: { field: "status" } }, t(`card.status_${key}`));
}

function field(name, label, value) {
  return [h("dt", {}, label), h("dd", { dataset: { field: name } }, value ?? "—")];
}

function cardFace(card) {
  const meaning = currentLanguage() === "vi" ? card.benefit_level_meaning_vi : card.benefit_level_meaning;
  return h(
    "section",
    { class: "hi-card", "aria-labelledby": "hi-card-title" },
    h(
      "div",
      { class: "hi-card-head" },
      h("p", { class: "hi-card-issuer" }, t("card.issuer")),
      h("h2", { id: "hi-card-title" }, t("card.face_title")),
      statusBadge(card),
    ),
    h(
      "dl",
      { class: "hi-card-fields" },
      field("number", t("card.number"), card.number),
      card.legacy_code ? field("legacy_code", t("card.legacy_code"), card.legacy_code) : null,
      field("name", t("card.name"), card.name),
      field("birth_date", t("card.birth_date"), formatDate(card.birth_date)),
      field("sex", t("card.sex"), t(card.sex === "F" ? "card.sex_f" : "card.sex_m")),
      field("beneficiary_group", t("card.group"), card.beneficiary_group),
      field("benefit_level", t("card.benefit_level"), `${card.benefit_level} — ${meaning}`),
      field("primary_facility", t("card.facility"), `${card.primary_facility_code} — ${card.primary_facility_name}`),
      field("valid_from", t("card.valid_from"), formatDate(card.valid_from)),
      field("valid_to", t("card.valid_to"), formatDate(card.valid_to)),
      field("five_year_date", t("card.five_year_date"), card.five_year_date ? formatDate(card.five_year_date) : null),
      exemption(card),
    ),
  );
}

/** NGAY_MIEN_CCT: no co-payment from this date to the year's end, while that year runs (Vietnam's calendar). */
function exemption(card) {
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Ho_Chi_Minh" });
  if (!card.co_payment_exempt_from || card.co_payment_exempt_until < today) return null;
  const range = t("card.co_payment_exempt_range", {
    from: formatDate(card.co_payment_exempt_from),
    to: formatDate(card.co_payment_exempt_until),
  });
  return field("co_payment_exempt", t("card.co_payment_exempt"), range);
}

function countdownText(ms) {
  if (ms <= 0) return t("card.qr_expired");
  const seconds = Math.ceil(ms / 1000);
  const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return t("card.qr_expires_in", { time: clock });
}

/** The QR panel: an online code refreshed every minute, or the stored offline pass. */
function qrPanel(card, life) {
  const img = h("img", { class: "hi-qr-img", alt: t("card.qr_alt", { name: card.name }), width: 288, height: 288 });
  const countdown = h("p", { class: "hi-qr-countdown", role: "timer", "aria-live": "off" });
  const offlineMark = h("p", { class: "hi-qr-offline notice", role: "status", hidden: true });
  const message = h("p", { class: "hi-qr-message", role: "status" });
  const passNote = h("p", { class: "muted hi-qr-pass" });
  const figure = h("figure", { class: "hi-qr", hidden: true }, img, h("figcaption", {}, countdown, offlineMark));
  // The QR comes first so it fits above the tab bar on a small phone; explanations follow it.
  const panel = h(
    "section",
    { class: "panel hi-qr-panel", "aria-labelledby": "hi-qr-title" },
    h("h2", { id: "hi-qr-title" }, t("card.qr_title")),
    figure,
    message,
    h("p", { class: "muted hi-qr-hint" }, t("card.qr_hint")),
    passNote,
  );
  let expiresAt = 0;

  const tick = () => {
    countdown.textContent = countdownText(expiresAt - Date.now());
  };

  const showToken = (svgText, expires, { offline }) => {
    img.src = svgDataUrl(svgText);
    expiresAt = new Date(expires).getTime();
    figure.hidden = false;
    panel.dataset.mode = offline ? "offline" : "online";
    offlineMark.hidden = !offline;
    countdown.hidden = offline;
    offlineMark.textContent = offline ? t("card.offline_pass_until", { until: formatDateTime(expires) }) : "";
    message.textContent = "";
    tick();
  };

  const showStoredPass = async () => {
    const pass = await kv.get(PASS_KEY).catch(() => null);
    if (pass && pass.card?.number === card.number && new Date(pass.expires_at).getTime() > Date.now()) {
      showToken(pass.svg, pass.expires_at, { offline: true });
      return true;
    }
    figure.hidden = true;
    message.textContent = t("card.no_offline_pass");
    return false;
  };

  const refreshOnline = async () => {
    try {
      const token = await api("/api/v1/me/card/token", { method: "POST", body: { kind: "online" } });
      const svgText = await fetchQrSvg(token.token);
      if (life.alive) showToken(svgText, token.expires_at, { offline: false });
    } catch (error) {
      if (!life.alive) return;
      if (error?.status === 409) {
        figure.hidden = true;
        message.textContent = t("card.not_in_force");
        return;
      }
      if (panel.dataset.mode !== "offline") await showStoredPass();
    }
  };

  const showPassNote = (pass) => {
    panel.dataset.offlinePassUntil = pass.expires_at;
    passNote.textContent = t("card.offline_pass_saved", { until: formatDateTime(pass.expires_at) });
  };

  /** Keep a 7-day pass on the device; fetch a new one when it is missing, for another card, or nearly spent. */
  const ensureOfflinePass = async () => {
    try {
      const stored = await kv.get(PASS_KEY).catch(() => null);
      const fresh =
        stored &&
        stored.card?.serial === card.serial &&
        new Date(stored.expires_at).getTime() - Date.now() > PASS_MIN_LEFT_MS;
      if (fresh) {
        stored.card = card;
        await kv.set(PASS_KEY, stored);
        if (life.alive) showPassNote(stored);
        return;
      }
      const token = await api("/api/v1/me/card/token", { method: "POST", body: { kind: "offline" } });
      const svg = await fetchQrSvg(token.token);
      const pass = { token: token.token, kind: token.kind, expires_at: token.expires_at, svg, card, saved_at: new Date().toISOString() };
      await kv.set(PASS_KEY, pass);
      if (life.alive) showPassNote(pass);
    } catch {
      // No network or a refused token: keep whatever pass is stored.
    }
  };

  const start = async ({ online }) => {
    life.every(1000, tick);
    if (!online) {
      await showStoredPass();
      return;
    }
    if (card.in_force === false || card.status !== "active") {
      message.textContent = t("card.not_in_force");
      return;
    }
    await refreshOnline();
    life.every(REFRESH_EVERY_MS, refreshOnline);
    await ensureOfflinePass();
  };

  return { panel, start };
}

function methodText(method) {
  if (method === "gateway") return t("card.method_gateway");
  return method === "lookup" ? t("card.method_lookup") : t("card.method_qr");
}

function checksSection(life) {
  const list = h("ul", { class: "list hi-checks" });
  const status = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("card.checks_more"));
  let offset = 0;

  const item = (check) =>
    h(
      "li",
      { class: "hi-check", dataset: { checkId: check.id } },
      h(
        "p",
        { class: "hi-check-head" },
        h("strong", {}, `${check.facility_name} (${check.facility_code})`),
        " ",
        h("span", { class: `badge ${check.valid ? "ok" : "bad"}` }, check.valid ? t("card.check_valid") : t("card.check_invalid")),
      ),
      h(
        "dl",
        { class: "fields" },
        h("dt", {}, t("card.check_time")),
        h("dd", {}, h("time", { datetime: check.checked_at }, formatDateTime(check.checked_at))),
        h("dt", {}, t("card.check_staff")),
        h("dd", {}, check.staff_name),
        h("dt", {}, t("card.check_method")),
        h("dd", {}, methodText(check.method)),
        h("dt", {}, t("card.check_result")),
        h("dd", {}, `${currentLanguage() === "vi" ? check.message_vi : check.message} (${check.result})`),
      ),
    );

  const load = async (reset) => {
    if (reset) offset = 0;
    status.textContent = t("app.loading");
    try {
      const page = await api(`/api/v1/me/card/checks?limit=${CHECKS_PAGE}&offset=${offset}`);
      if (!life.alive) return;
      if (reset) list.replaceChildren();
      for (const check of page.items) list.append(item(check));
      offset += page.items.length;
      more.hidden = offset >= page.total;
      status.textContent = page.total === 0 ? t("card.checks_none") : "";
    } catch {
      if (life.alive) status.textContent = t("common.offline_unavailable");
    }
  };
  more.addEventListener("click", () => load(false));
  const refresh = h("button", { type: "button", class: "secondary", onclick: () => load(true) }, t("card.checks_refresh"));

  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "hi-checks-title" },
    h("h2", { id: "hi-checks-title" }, t("card.checks_title")),
    h("p", { class: "muted" }, t("card.checks_hint")),
    list,
    status,
    h("div", { class: "actions" }, more, refresh),
  );
  return { section, load };
}

export async function render(root) {
  useStyles("/pwa/styles/card.css");
  stopCurrent?.();
  const life = lifecycle();
  stopCurrent = life.stop;
  window.addEventListener("hashchange", life.stop, { once: true });
  life.cleanups.push(() => window.removeEventListener("hashchange", life.stop));

  mount(root, h("h1", {}, t("card.title")), h("p", { class: "loading", role: "status" }, t("app.loading")));

  let card = null;
  let online = true;
  let failure = null;
  try {
    card = await api("/api/v1/me/card");
  } catch (error) {
    failure = error;
    online = false;
  }
  if (!life.alive) return;
  if (!card) {
    const pass = await kv.get(PASS_KEY).catch(() => null);
    if (!life.alive) return;
    if (failure?.status === 404) {
      mount(root, h("h1", {}, t("card.title")), h("p", { class: "notice", role: "status" }, t("card.no_card")));
      return;
    }
    if (!pass?.card) {
      mount(
        root,
        h("h1", {}, t("card.title")),
        h("p", { class: "error", role: "alert" }, t("card.unavailable_offline")),
        h("button", { type: "button", onclick: () => render(root) }, t("common.retry")),
      );
      return;
    }
    card = pass.card;
  }

  const qr = qrPanel(card, life);
  const checks = online ? checksSection(life) : null;
  mount(
    root,
    h("div", { class: "card-view" }, h("h1", {}, t("card.title")), qr.panel, cardFace(card), checks?.section),
  );
  keepAwake(life);
  checks?.load(true);
  await qr.start({ online });
}
