// The facility admin's list of staff allowed to check cards (loaded by scanner.js when first opened).
// The admin signs in as a person — password, then the one-time code sent to the contact on record — and lists,
// adds and removes the facility's registered staff through /api/v1/clinic/staff. The tokens live in this module's
// memory only: they are gone with the page, and a reload asks for the password again.

const AUTH = "/api/v1/auth";
const STAFF = "/api/v1/clinic/staff";
const PAGE_SIZE = 100; // the API's largest page
const CITIZEN_ID = /^[0-9]{12}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

const $ = (id) => document.getElementById(id);

let tokens = null; // {access_token, refresh_token} while signed in
let challengeId = null; // between the password and the code
let removing = null; // the member the confirm dialog is about
let wired = false;

// ---- small helpers --------------------------------------------------------------------------------

function show(element, visible) {
  element.hidden = !visible;
}

function say(element, text) {
  element.textContent = text;
  show(element, Boolean(text));
}

function headers(extra = {}) {
  return { Accept: "application/json, application/problem+json", "Accept-Language": "vi", ...extra };
}

/** The problem+json detail of a failed response (in Vietnamese: the page asks for it), else a line with its status. */
async function problemDetail(response) {
  try {
    const body = await response.json();
    if (body && (body.detail || body.title)) return String(body.detail || body.title);
  } catch {
    // not JSON: fall through
  }
  return `Lỗi máy chủ (HTTP ${response.status}) / Server error`;
}

const UNREACHABLE = "Không kết nối được máy chủ / Cannot reach the server";
const NOT_AN_ADMIN = "Tài khoản này không quản trị cơ sở nào / This account administers no facility";

async function postJson(url, body, token = null) {
  const extra = { "Content-Type": "application/json" };
  if (token) extra.Authorization = `Bearer ${token}`;
  return fetch(url, { method: "POST", headers: headers(extra), body: JSON.stringify(body) });
}

// ---- signing in -----------------------------------------------------------------------------------

function renderSignedIn() {
  show($("admin-signin-form"), tokens === null && challengeId === null);
  show($("admin-code-form"), tokens === null && challengeId !== null);
  show($("roster"), tokens !== null);
}

async function submitPassword() {
  say($("admin-signin-error"), "");
  const username = $("admin-username").value.trim();
  const password = $("admin-password").value;
  if (!username || !password) {
    return say($("admin-signin-error"), "Nhập tên đăng nhập và mật khẩu / Enter the username and the password");
  }
  let response;
  try {
    response = await postJson(`${AUTH}/login`, { username, password });
  } catch {
    return say($("admin-signin-error"), UNREACHABLE);
  }
  if (!response.ok) return say($("admin-signin-error"), await problemDetail(response));
  const answer = await response.json();
  challengeId = answer.challenge_id;
  $("admin-password").value = "";
  $("admin-code-sent").textContent = answer.sent_to
    ? `Mã đã gửi tới ${answer.sent_to} / A code was sent to ${answer.sent_to}`
    : "Mã đã được gửi / A code was sent";
  renderSignedIn();
  $("admin-code").focus();
}

async function submitCode() {
  say($("admin-code-error"), "");
  const code = $("admin-code").value.trim();
  if (!/^[0-9]{6}$/.test(code)) return say($("admin-code-error"), "Mã gồm 6 chữ số / The code is 6 digits");
  let response;
  try {
    response = await postJson(`${AUTH}/otp`, { challenge_id: challengeId, code });
  } catch {
    return say($("admin-code-error"), UNREACHABLE);
  }
  if (!response.ok) return say($("admin-code-error"), await problemDetail(response));
  tokens = await response.json();
  challengeId = null;
  $("admin-code").value = "";
  $("admin-who").textContent = $("admin-username").value.trim();
  renderSignedIn();
  await loadRoster();
}

/** Back to the password form, saying why (an ended session, a refused account). */
function signedOut(reason = "") {
  tokens = null;
  challengeId = null;
  removing = null;
  $("roster-rows").replaceChildren();
  renderSignedIn();
  say($("admin-signin-error"), reason);
}

async function signOut() {
  const ending = tokens;
  signedOut();
  if (ending) {
    // Ends the session server-side too; a failure leaves only a token that dies within minutes (the refresh token
    // is forgotten with it).
    await fetch(`${AUTH}/logout`, {
      method: "POST",
      headers: headers({ Authorization: `Bearer ${ending.access_token}` }),
    }).catch(() => undefined);
  }
}

/** A call to the staff API with the admin's token, renewed once with the refresh token when it has expired. */
async function staffApi(path, init = {}) {
  const call = () =>
    fetch(`${STAFF}${path}`, {
      ...init,
      headers: headers({ Authorization: `Bearer ${tokens.access_token}`, ...(init.headers ?? {}) }),
    });
  let response = await call();
  if (response.status === 401 && tokens?.refresh_token) {
    const renewed = await postJson(`${AUTH}/refresh`, { refresh_token: tokens.refresh_token }).catch(() => null);
    if (renewed?.ok) {
      tokens = await renewed.json();
      response = await call();
    }
  }
  if (response.status === 401) {
    signedOut("Phiên đăng nhập đã hết hạn / Session expired");
    return null;
  }
  if (response.status === 403) {
    // Not a facility admin (a citizen's or staff account): its new session ends at once, and the admin is told why.
    await signOut();
    say($("admin-signin-error"), NOT_AN_ADMIN);
    return null;
  }
  return response;
}

// ---- the list -------------------------------------------------------------------------------------

function status(text) {
  say($("roster-status"), text);
}

function row(member) {
  const line = document.createElement("tr");
  line.dataset.id = member.id;
  const name = document.createElement("td");
  name.textContent = member.full_name; // textContent only: names never become markup
  const citizenId = document.createElement("td");
  citizenId.textContent = member.citizen_id;
  const action = document.createElement("td");
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link";
  remove.textContent = "Xóa";
  const english = document.createElement("small");
  english.lang = "en";
  english.textContent = "Remove";
  remove.append(" ", english);
  remove.setAttribute("aria-label", `Xóa ${member.full_name} / Remove ${member.full_name}`);
  remove.addEventListener("click", () => confirmRemoval(member, remove));
  action.append(remove);
  line.append(name, citizenId, action);
  return line;
}

/** Every page of the facility's list, by name. */
async function loadRoster() {
  const members = [];
  let total = 0;
  try {
    do {
      const response = await staffApi(`?limit=${PAGE_SIZE}&offset=${members.length}`);
      if (response === null) return;
      if (!response.ok) return status(await problemDetail(response));
      const page = await response.json();
      members.push(...page.items);
      total = page.total;
      if (page.items.length === 0) break;
    } while (members.length < total);
  } catch {
    return status(UNREACHABLE);
  }
  $("roster-rows").replaceChildren(...members.map(row));
  $("roster-total").textContent = String(total);
  show($("roster-table"), members.length > 0);
  show($("roster-empty"), members.length === 0);
}

// ---- adding ---------------------------------------------------------------------------------------

function fieldError(input, errorElement, text) {
  say(errorElement, text);
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/** The form's values, or null after marking each faulty field with its message. */
function newMember() {
  const nameInput = $("roster-add-name");
  const cidInput = $("roster-add-cid");
  const fullName = nameInput.value.trim().replace(/\s+/g, " ");
  const citizenId = cidInput.value.trim();
  const nameProblem =
    fullName.length < 2 || fullName.length > 120 || CONTROL.test(fullName)
      ? "Nhập họ và tên đầy đủ (2–120 ký tự) / Enter the full name (2–120 characters)"
      : "";
  const cidProblem = CITIZEN_ID.test(citizenId) ? "" : "Số CCCD gồm đúng 12 chữ số / A citizen ID is exactly 12 digits";
  fieldError(nameInput, $("roster-add-name-error"), nameProblem);
  fieldError(cidInput, $("roster-add-cid-error"), cidProblem);
  if (nameProblem || cidProblem) {
    (nameProblem ? nameInput : cidInput).focus();
    return null;
  }
  return { full_name: fullName, citizen_id: citizenId };
}

async function addMember() {
  say($("roster-add-error"), "");
  status("");
  const member = newMember();
  if (member === null) return;
  let response;
  try {
    response = await staffApi("", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(member),
    });
  } catch {
    return say($("roster-add-error"), UNREACHABLE);
  }
  if (response === null) return;
  if (response.status === 409) {
    fieldError($("roster-add-cid"), $("roster-add-cid-error"), await problemDetail(response));
    return $("roster-add-cid").focus();
  }
  if (!response.ok) return say($("roster-add-error"), await problemDetail(response));
  const added = await response.json();
  $("roster-add-name").value = "";
  $("roster-add-cid").value = "";
  await loadRoster();
  status(`Đã thêm ${added.full_name} (${added.citizen_id}) / Added`);
  $("roster-add-name").focus();
}

// ---- removing -------------------------------------------------------------------------------------

function confirmRemoval(member, opener) {
  removing = { member, opener };
  $("roster-remove-who").textContent = `${member.full_name} (${member.citizen_id})`;
  const dialog = $("roster-remove-dialog");
  dialog.returnValue = ""; // Escape closes without a value: never an earlier "confirm"
  dialog.showModal();
}

async function removalAnswered() {
  const dialog = $("roster-remove-dialog");
  const choice = removing;
  removing = null;
  if (choice === null) return;
  if (dialog.returnValue !== "confirm") return choice.opener.focus();
  status("");
  let response;
  try {
    response = await staffApi(`/${encodeURIComponent(choice.member.id)}`, { method: "DELETE" });
  } catch {
    return status(UNREACHABLE);
  }
  if (response === null) return;
  if (!response.ok && response.status !== 404) return status(await problemDetail(response));
  await loadRoster(); // a 404: someone else removed them meanwhile; the fresh list shows it
  status(`Đã xóa ${choice.member.full_name} khỏi danh sách / Removed from the list`);
  $("roster-add-name").focus();
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
  $("admin-signin-form").addEventListener("submit", busy($("admin-signin-submit"), submitPassword));
  $("admin-code-form").addEventListener("submit", busy($("admin-code-submit"), submitCode));
  $("admin-signout").addEventListener("click", signOut);
  $("roster-add-form").addEventListener("submit", busy($("roster-add-submit"), addMember));
  for (const [input, error] of [
    ["roster-add-name", "roster-add-name-error"],
    ["roster-add-cid", "roster-add-cid-error"],
  ]) {
    $(input).addEventListener("input", () => fieldError($(input), $(error), "")); // the message goes once edited
  }
  $("roster-remove-dialog").addEventListener("close", removalAnswered);
}

/** Show the admin panel (wired on first use) and put the cursor where the admin starts. */
export function openStaffAdmin() {
  if (!wired) {
    wire();
    wired = true;
  }
  show($("admin-panel"), true);
  $("admin-open").setAttribute("aria-expanded", "true");
  renderSignedIn();
  (tokens ? $("roster-add-name") : challengeId ? $("admin-code") : $("admin-username")).focus();
}

/** Hide the panel; a signed-in admin stays signed in until the page goes. */
export function closeStaffAdmin() {
  show($("admin-panel"), false);
  $("admin-open").setAttribute("aria-expanded", "false");
}
