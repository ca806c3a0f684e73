// The clinic scanner page: facility sign-in, staff identity, scan/paste/lookup, and the verdict.
// Every token is first checked offline against the cached key set (verify.js); when the network
// answers, the server's verdict (which also knows the card's status) replaces it.

import { checkOffline, OFFLINE_MESSAGES } from "./verify.js";

const API = "/api/v1/clinic";
const JWKS_URL = "/.well-known/jwks.json";
const JSQR_URL = "/static/vendor/jsqr-1.4.0/jsQR.js";
const WORKER_URL = "/clinic/sw.js";
const WORKER_SCOPE = "/clinic/";
const STAFF_ADMIN_URL = "/static/clinic/staff-admin.js";

// sessionStorage: the clinic token dies with the tab. localStorage: what must survive a reload
// or a night without network (the key set), or a shift (the staff member's identity).
const SESSION_KEY = "ansinh.clinic.session";
const STAFF_KEY = "ansinh.clinic.staff";
const CLIENT_ID_KEY = "ansinh.clinic.client_id";
const JWKS_KEY = "ansinh.clinic.jwks";

const JWKS_REFRESH_MS = 60 * 60 * 1000; // the JWKS max-age: a new key is published at least this early
const SHIFT_MS = 12 * 60 * 60 * 1000;
const TOKEN_MARGIN_MS = 15 * 1000; // renew a little early rather than have a check refused
const SCAN_INTERVAL_MS = 150;

const $ = (id) => document.getElementById(id);

// The secret stays in memory only, so the 10-minute clinic token can be renewed silently while the
// page is open, and is gone with the page; a reload after expiry asks for it again.
let clientSecret = null;

// ---- small helpers --------------------------------------------------------------------------------

function readJson(storage, key) {
  try {
    return JSON.parse(storage.getItem(key));
  } catch {
    return null;
  }
}

function show(element, visible) {
  element.hidden = !visible;
}

function pad(number) {
  return String(number).padStart(2, "0");
}

/** "HH:MM dd/mm" in the device's time, as the offline notice says it. */
function shortStamp(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())} ${pad(d.getDate())}/${pad(d.getMonth() + 1)}`;
}

/** "YYYY-MM-DD" → "dd/mm/yyyy"; a year alone (or anything else) as it is. */
function displayDate(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? "");
  return match ? `${match[3]}/${match[2]}/${match[1]}` : String(value ?? "");
}

/** The problem+json detail of a failed response, else a generic line with its status. */
async function problemDetail(response) {
  try {
    const body = await response.json();
    if (body && (body.detail || body.title)) return String(body.detail || body.title);
  } catch {
    // not JSON: fall through
  }
  return `Lỗi máy chủ (HTTP ${response.status}) / Server error`;
}

function apiHeaders(token) {
  return {
    Authorization: `Bearer ${token}`,
    "Content-Type": "application/json",
    Accept: "application/json, application/problem+json",
    "Accept-Language": "vi",
  };
}

// ---- network and key set --------------------------------------------------------------------------

function renderNetStatus() {
  const status = $("net-status");
  status.dataset.online = String(navigator.onLine);
  status.textContent = navigator.onLine ? "● Trực tuyến / Online" : "○ Ngoại tuyến / Offline";
}

function cachedJwks() {
  const stored = readJson(localStorage, JWKS_KEY);
  return stored && stored.jwks && Array.isArray(stored.jwks.keys) ? stored : null;
}

function renderKeysStatus() {
  const stored = cachedJwks();
  const status = $("keys-status");
  status.dataset.fetchedAt = stored ? String(stored.fetched_at) : "";
  status.textContent = stored
    ? `Khóa ký tải lúc ${shortStamp(stored.fetched_at)} / Keys fetched ${shortStamp(stored.fetched_at)}`
    : "Chưa có khóa ký / No keys yet";
}

/** Fetch the key set; keep it with the time the server produced it (its Date header). */
async function refreshJwks() {
  try {
    const response = await fetch(JWKS_URL, { cache: "no-cache", headers: { Accept: "application/json" } });
    if (!response.ok) return false;
    const jwks = await response.json();
    if (!jwks || !Array.isArray(jwks.keys)) return false;
    // Offline, the service worker answers with its cached copy: the Date header then still says
    // when the server sent it, so the notice never claims an old key set is fresh.
    const served = Date.parse(response.headers.get("date") ?? "");
    const fetchedAt = Number.isFinite(served) ? served : Date.now();
    const previous = cachedJwks();
    if (!previous || fetchedAt >= previous.fetched_at) {
      localStorage.setItem(JWKS_KEY, JSON.stringify({ jwks, fetched_at: fetchedAt }));
    }
    return true;
  } catch {
    return false;
  } finally {
    renderKeysStatus();
  }
}

// ---- facility session -----------------------------------------------------------------------------

function currentSession() {
  const session = readJson(sessionStorage, SESSION_KEY);
  return session && typeof session.access_token === "string" ? session : null;
}

function sessionUsable(session) {
  return session !== null && Date.now() < session.expires_at - TOKEN_MARGIN_MS;
}

async function requestToken(clientId, secret) {
  const body = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret });
  const response = await fetch(`${API}/token`, {
    method: "POST",
    body,
    headers: { Accept: "application/json, application/problem+json", "Accept-Language": "vi" },
  });
  if (!response.ok) throw new Error(await problemDetail(response));
  const data = await response.json();
  const session = {
    access_token: data.access_token,
    facility_code: data.facility_code,
    expires_at: Date.now() + Number(data.expires_in) * 1000,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

/** A usable clinic token: the stored one, or a silent renewal with the in-memory secret; else null. */
async function clinicToken() {
  const session = currentSession();
  if (sessionUsable(session)) return session.access_token;
  const clientId = localStorage.getItem(CLIENT_ID_KEY);
  if (clientSecret && clientId) {
    try {
      return (await requestToken(clientId, clientSecret)).access_token;
    } catch {
      return null;
    }
  }
  return null;
}

function signOut(reason = "") {
  sessionStorage.removeItem(SESSION_KEY);
  clientSecret = null;
  $("signin-reason").textContent = reason;
  show($("signin-reason"), Boolean(reason));
  renderSections();
}

// ---- staff identity -------------------------------------------------------------------------------

function currentStaff() {
  const staff = readJson(localStorage, STAFF_KEY);
  if (!staff || typeof staff.name !== "string" || !/^\d{12}$/.test(staff.citizen_id ?? "")) return null;
  if (!(Date.now() - staff.saved_at <= SHIFT_MS)) {
    localStorage.removeItem(STAFF_KEY); // the shift is over: the next person enters their own
    return null;
  }
  return staff;
}

function renderSections() {
  const session = currentSession();
  const staff = currentStaff();
  show($("signin-section"), !sessionUsable(session));
  show($("session-bar"), session !== null);
  $("facility-code").textContent = session?.facility_code ?? "";
  show($("staff-summary"), staff !== null);
  show($("staff-form"), staff === null);
  $("staff-summary-name").textContent = staff?.name ?? "";
  $("staff-summary-cid").textContent = staff?.citizen_id ?? "";
  // Offline checks need neither a session nor the network, only who is checking.
  show($("check-section"), staff !== null);
  const clientId = localStorage.getItem(CLIENT_ID_KEY);
  if (clientId && !$("client-id").value) $("client-id").value = clientId;
}

// ---- the verdict ----------------------------------------------------------------------------------

const CARD_FIELDS = [
  ["number", "Mã thẻ", "Card number"],
  ["name", "Họ và tên", "Name"],
  ["birth_date", "Ngày sinh", "Born"],
  ["sex", "Giới tính", "Sex"],
  ["benefit_level", "Mức hưởng", "Benefit level"],
  ["primary_facility", "Nơi KCB ban đầu", "Primary care"],
  ["valid_from", "Giá trị từ", "Valid from"],
  ["valid_to", "Đến", "Valid to"],
];

/** The card fields the token itself carries (shown only after its signature verified). */
function cardFromPayload(payload) {
  return {
    number: payload.sub,
    name: payload.n,
    birth_date: payload.b,
    sex: payload.s,
    benefit_level: payload.lvl,
    primary_facility_code: payload.fac,
    valid_from: payload.vf,
    valid_to: payload.vt,
  };
}

function fieldValue(card, key) {
  switch (key) {
    case "birth_date":
    case "valid_from":
    case "valid_to":
      return displayDate(card[key]);
    case "sex":
      return { M: "Nam / M", F: "Nữ / F" }[card.sex] ?? String(card.sex ?? "");
    case "benefit_level":
      if (!card.benefit_level_meaning) return String(card.benefit_level ?? "");
      return card.benefit_level_meaning_vi
        ? `${card.benefit_level} — ${card.benefit_level_meaning_vi} / ${card.benefit_level_meaning}`
        : `${card.benefit_level} — ${card.benefit_level_meaning}`;
    case "primary_facility":
      return [card.primary_facility_code, card.primary_facility_name].filter(Boolean).join(" — ");
    default:
      return String(card[key] ?? "");
  }
}

function renderCard(card) {
  const list = $("verdict-card");
  list.replaceChildren();
  if (!card) return;
  for (const [key, vi, en] of CARD_FIELDS) {
    const value = fieldValue(card, key);
    if (!value) continue;
    const term = document.createElement("dt");
    term.append(vi, " ");
    const small = document.createElement("small");
    small.lang = "en";
    small.textContent = en;
    term.append(small);
    const detail = document.createElement("dd");
    detail.dataset.field = key;
    detail.textContent = value; // textContent only: token contents never become markup
    list.append(term, detail);
  }
}

/**
 * Show a verdict. ``source`` is "online" (the server's) or "offline" (the local signature check);
 * ``notice`` says why a verdict is offline and what it could not check.
 */
function showVerdict({ result, valid, message, message_vi, card, source, notice = "", meta = "" }) {
  const verdict = $("verdict");
  verdict.dataset.result = result;
  verdict.dataset.valid = String(valid);
  verdict.dataset.source = source;
  $("verdict-mark").textContent = valid ? "✓" : "✗";
  $("verdict-title").textContent = valid ? "HỢP LỆ · VALID" : "KHÔNG HỢP LỆ · NOT VALID";
  $("verdict-code").textContent = result;
  $("verdict-message").textContent = message_vi ?? "";
  $("verdict-message-en").textContent = message ?? "";
  $("offline-notice").textContent = notice;
  show($("offline-notice"), Boolean(notice));
  renderCard(card);
  $("verdict-meta").textContent = meta;
  show(verdict, true);
  verdict.focus({ preventScroll: true });
  verdict.scrollIntoView({ block: "start", behavior: "smooth" });
}

function offlineNotice(reason) {
  const stored = cachedJwks();
  const keys = stored
    ? `chỉ kiểm tra chữ ký bằng khóa tải lúc ${shortStamp(stored.fetched_at)}; chưa kiểm tra trạng thái thẻ`
    : "chưa có khóa ký nào được tải: không kiểm tra được chữ ký";
  const keysEn = stored
    ? `signature checked with keys fetched at ${shortStamp(stored.fetched_at)}; card status not checked`
    : "no keys have been downloaded: the signature cannot be checked";
  return `${reason.vi} — ${keys}. / ${reason.en} — ${keysEn}.`;
}

const REASONS = {
  offline: { vi: "Ngoại tuyến", en: "Offline" },
  unreachable: { vi: "Không kết nối được máy chủ", en: "Server unreachable" },
  signedOut: { vi: "Chưa đăng nhập cơ sở", en: "Facility not signed in" },
  expired: { vi: "Phiên đăng nhập đã hết hạn", en: "Session expired" },
  refused: { vi: "Máy chủ không trả lời kết quả", en: "The server gave no verdict" },
};

function showOffline(local, reasonKey, extra = "") {
  const messages = OFFLINE_MESSAGES[local.result];
  showVerdict({
    result: local.result,
    valid: local.valid,
    message: messages.en,
    message_vi: messages.vi,
    card: local.payload ? cardFromPayload(local.payload) : null,
    source: "offline",
    notice: offlineNotice(REASONS[reasonKey]) + (extra ? ` ${extra}` : ""),
    meta: `Kiểm tra ngoại tuyến lúc ${shortStamp(Date.now())} / Checked offline`,
  });
}

function showOnline(data) {
  showVerdict({
    result: data.result,
    valid: data.valid === true,
    message: data.message,
    message_vi: data.message_vi,
    card: data.card,
    source: "online",
    meta: `Máy chủ xác nhận lúc ${shortStamp(Date.parse(data.checked_at) || Date.now())} · ${data.check_id ?? ""}`,
  });
}

/** Hide the last verdict: while a new check runs, an old green panel must not stand in for it. */
function clearVerdict() {
  const verdict = $("verdict");
  show(verdict, false);
  for (const name of ["result", "valid", "source"]) delete verdict.dataset[name];
}

function showCheckError(text) {
  $("check-error").textContent = text;
  show($("check-error"), Boolean(text));
}

// ---- checks ---------------------------------------------------------------------------------------

async function localCheck(text) {
  let local = await checkOffline(text, cachedJwks()?.jwks);
  // A key published after our last download: fetch the set once more, then decide.
  if (local.result === "903" && navigator.onLine && (await refreshJwks())) {
    local = await checkOffline(text, cachedJwks()?.jwks);
  }
  return local;
}

/** POST to the clinic API; returns the JSON verdict, or {fallback: reason, extra} when there is none. */
async function askServer(path, body) {
  if (!navigator.onLine) return { fallback: "offline" };
  const token = await clinicToken();
  if (token === null) {
    const expired = currentSession() !== null;
    if (expired) signOut(`${REASONS.expired.vi} / ${REASONS.expired.en}`);
    return { fallback: expired ? "expired" : "signedOut" };
  }
  let response;
  try {
    response = await fetch(`${API}/${path}`, { method: "POST", headers: apiHeaders(token), body: JSON.stringify(body) });
  } catch {
    return { fallback: "unreachable" };
  }
  if (response.status === 401) {
    signOut(`${REASONS.expired.vi} / ${REASONS.expired.en}`);
    return { fallback: "expired" };
  }
  // 400/429 (or a server fault): no verdict from the server, so the local one stands, with the reason.
  if (!response.ok) {
    return { fallback: response.status < 500 ? "refused" : "unreachable", extra: await problemDetail(response) };
  }
  return { data: await response.json() };
}

function staffFields() {
  const staff = currentStaff();
  return staff ? { staff_name: staff.name, staff_citizen_id: staff.citizen_id } : null;
}

async function checkToken(text) {
  showCheckError("");
  clearVerdict();
  const staff = staffFields();
  if (!staff) return renderSections();
  const token = text.trim();
  const local = await localCheck(token);
  const answer = await askServer("verify", { token, ...staff });
  if (answer.data) showOnline(answer.data);
  else showOffline(local, answer.fallback, answer.extra);
}

/** "17/05/1984", "1984-05-17" or "1984" → the API's "YYYY-MM-DD" / "YYYY"; null when unreadable. */
function normaliseBirthDate(text) {
  const value = text.trim();
  if (/^\d{4}$/.test(value) || /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  return match ? `${match[3]}-${pad(match[2])}-${pad(match[1])}` : null;
}

/** A citizen ID (12 digits) or card number (10 digits, or the last 10 of a 15-character card code). */
function lookupIdentifier(text) {
  const value = text.replace(/\s+/g, "").toUpperCase();
  if (/^\d{12}$/.test(value)) return { citizen_id: value };
  if (/^\d{10}$/.test(value)) return { card_number: value };
  // The pre-2021 card code: group (2 letters), level, province (2 digits), then the 10-digit number.
  if (/^[A-Z]{2}\d{13}$/.test(value)) return { card_number: value.slice(5) };
  return null;
}

async function lookup() {
  showCheckError("");
  clearVerdict();
  const staff = staffFields();
  if (!staff) return renderSections();
  const identifier = lookupIdentifier($("lookup-id").value);
  const birth = normaliseBirthDate($("lookup-dob").value);
  if (!identifier) return showCheckError("Số CCCD phải có 12 số, mã thẻ 10 số / Citizen ID: 12 digits; card number: 10");
  if (!birth) return showCheckError("Ngày sinh: dd/mm/yyyy hoặc yyyy / Birth date: dd/mm/yyyy or yyyy");
  const answer = await askServer("lookup", {
    ...identifier,
    full_name: $("lookup-name").value.trim(),
    date_of_birth: birth,
    ...staff,
  });
  if (answer.data) return showOnline(answer.data);
  // Without the server there is nothing to look up in: say so instead of guessing.
  const reason = REASONS[answer.fallback];
  showCheckError(
    `${reason.vi}: tra cứu cần kết nối máy chủ${answer.extra ? ` (${answer.extra})` : ""} / ${reason.en}: lookup needs the server`,
  );
}

// ---- camera ---------------------------------------------------------------------------------------

let scanning = null; // {stream, timer} while the camera runs

let jsQrLoading = null;
/** The vendored decoder (a UMD bundle defining window.jsQR), loaded only when first needed. */
function loadJsQr() {
  jsQrLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = JSQR_URL;
    script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR missing")));
    script.onerror = () => {
      jsQrLoading = null;
      reject(new Error("jsQR failed to load"));
    };
    document.head.append(script);
  });
  return jsQrLoading;
}

async function qrDetector() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        $("scanner").dataset.decoder = "native";
        return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
      }
    } catch {
      // fall back to jsQR below
    }
  }
  const jsQR = await loadJsQr();
  $("scanner").dataset.decoder = "jsqr";
  const canvas = $("scan-canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    // Downscaled frames decode fast enough on a phone and a QR still fills plenty of pixels.
    const scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    if (!canvas.width || !canvas.height) return null;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
  };
}

function stopScan(status = "") {
  if (scanning) {
    clearTimeout(scanning.timer);
    for (const track of scanning.stream.getTracks()) track.stop();
    scanning = null;
  }
  $("scan-video").srcObject = null;
  show($("scanner"), false);
  show($("scan-button"), true);
  $("scan-status").textContent = status;
}

/** A citizen-ID card's QR ("id|old id|name|ddmmyyyy|sex|address|issued"): fills the lookup form. */
function fillLookupFromCitizenCard(text) {
  const fields = text.split("|");
  if (fields.length < 4 || !/^\d{12}$/.test(fields[0]) || !/^\d{8}$/.test(fields[3])) return false;
  $("lookup-id").value = fields[0];
  $("lookup-name").value = fields[2];
  $("lookup-dob").value = `${fields[3].slice(0, 2)}/${fields[3].slice(2, 4)}/${fields[3].slice(4)}`;
  $("lookup-name").focus();
  return true;
}

async function startScan() {
  showCheckError("");
  if (!navigator.mediaDevices?.getUserMedia) {
    return showCheckError("Trình duyệt không mở được camera / This browser cannot open the camera");
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    return showCheckError(`Không mở được camera (${error.name}) / Cannot open the camera`);
  }
  const video = $("scan-video");
  video.srcObject = stream;
  scanning = { stream, timer: 0 };
  show($("scanner"), true);
  show($("scan-button"), false);
  $("scan-status").textContent = "Đưa mã QR vào khung hình… / Point the camera at the QR code…";
  try {
    await video.play();
    const detect = await qrDetector();
    const tick = async () => {
      if (!scanning) return;
      let text = null;
      try {
        text = video.readyState >= 2 ? await detect(video) : null;
      } catch {
        text = null; // a bad frame: try the next one
      }
      if (!scanning) return;
      if (text === null) {
        scanning.timer = setTimeout(tick, SCAN_INTERVAL_MS);
        return;
      }
      if (fillLookupFromCitizenCard(text)) {
        stopScan("Đã đọc CCCD: kiểm tra rồi bấm Tra cứu / Citizen ID card read: check, then Look up");
        return;
      }
      stopScan("Đã đọc mã / Code read");
      $("token-input").value = text;
      await checkToken(text);
    };
    tick();
  } catch (error) {
    stopScan();
    showCheckError(`Không quét được (${error.message}) / Scanning failed`);
  }
}

// ---- the facility admin's staff list (its own module, loaded when first opened) ----------------------

async function toggleStaffAdmin() {
  show($("admin-load-error"), false);
  let admin;
  try {
    admin = await import(STAFF_ADMIN_URL);
  } catch {
    $("admin-load-error").textContent = "Không tải được trang quản trị / Cannot load the admin screen";
    return show($("admin-load-error"), true);
  }
  if ($("admin-panel").hidden) admin.openStaffAdmin();
  else admin.closeStaffAdmin();
}

// ---- wiring ---------------------------------------------------------------------------------------

function busy(button, work) {
  return async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await work();
    } finally {
      button.disabled = false;
    }
  };
}

function wire() {
  $("signin-form").addEventListener(
    "submit",
    busy($("signin-submit"), async () => {
      const clientId = $("client-id").value.trim();
      const secret = $("client-secret").value;
      show($("signin-error"), false);
      try {
        await requestToken(clientId, secret);
        localStorage.setItem(CLIENT_ID_KEY, clientId); // not a secret; saves typing next shift
        clientSecret = secret;
        $("client-secret").value = "";
        show($("signin-reason"), false);
      } catch (error) {
        const offline = !navigator.onLine || error instanceof TypeError;
        $("signin-error").textContent = offline
          ? "Không kết nối được máy chủ / Cannot reach the server"
          : error.message;
        show($("signin-error"), true);
      }
      renderSections();
    }),
  );
  $("signout-button").addEventListener("click", () => signOut());

  $("staff-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("staff-name").value.trim().replace(/\s+/g, " ");
    const citizenId = $("staff-cid").value.trim();
    if (name.length < 2 || !/^\d{12}$/.test(citizenId)) return;
    localStorage.setItem(STAFF_KEY, JSON.stringify({ name, citizen_id: citizenId, saved_at: Date.now() }));
    renderSections();
  });
  $("staff-change").addEventListener("click", () => {
    const staff = currentStaff();
    $("staff-name").value = staff?.name ?? "";
    $("staff-cid").value = staff?.citizen_id ?? "";
    localStorage.removeItem(STAFF_KEY);
    renderSections();
  });

  $("token-form").addEventListener(
    "submit",
    busy($("token-submit"), () => checkToken($("token-input").value)),
  );
  $("lookup-form").addEventListener("submit", busy($("lookup-submit"), lookup));
  $("admin-open").addEventListener("click", toggleStaffAdmin);
  $("scan-button").addEventListener("click", startScan);
  $("scan-stop").addEventListener("click", () => stopScan());
  document.addEventListener("visibilitychange", () => {
    // A camera left running drains a tablet and keeps the light on: stop it when the page is hidden.
    if (document.hidden) return stopScan();
    // A sleeping tablet skips its hourly timer: catch up when the page is looked at again.
    const stored = cachedJwks();
    if (navigator.onLine && (!stored || Date.now() - stored.fetched_at > JWKS_REFRESH_MS)) refreshJwks();
  });

  window.addEventListener("online", () => {
    renderNetStatus();
    refreshJwks();
  });
  window.addEventListener("offline", renderNetStatus);
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(WORKER_URL, { scope: WORKER_SCOPE });
  } catch {
    // Without the worker the page still works online; only the offline reload is lost.
  }
}

function start() {
  wire();
  renderNetStatus();
  renderKeysStatus();
  renderSections();
  refreshJwks();
  setInterval(() => navigator.onLine && refreshJwks(), JWKS_REFRESH_MS);
  registerWorker();
  document.body.dataset.ready = "true"; // the page is wired: tests (and people) may type
}

start();
