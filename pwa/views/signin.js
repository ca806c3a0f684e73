// Sign-in: SI code or citizen ID + password, then the one-time code; or a passkey (button, or the browser's
// autofill on the username field). After a password sign-in the user is offered a passkey, once.

import { adoptTokens, api, isSignedIn } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { problemMessage, setBusy } from "../lib/feedback.js";
import { currentLanguage, loadLanguage, t } from "../lib/i18n.js";
import {
  conditionalMediationAvailable,
  enrolPasskey,
  isCancelled,
  passkeysSupported,
  signInWithPasskey,
} from "../lib/passkeys.js";
import { navigate, render as renderRoute } from "../lib/router.js";

// Accounts on this device that said "no thanks" to a passkey (a JSON list of usernames).
const DECLINED_KEY = "ansinh.passkeyOfferDeclined";

// The pending autofill (conditional mediation) request, withdrawn before any other sign-in attempt.
let conditional = null;

function stopConditional() {
  const pending = conditional;
  conditional = null;
  if (!pending) return Promise.resolve();
  pending.controller.abort();
  return pending.done;
}

function declinedAccounts() {
  try {
    const list = JSON.parse(localStorage.getItem(DECLINED_KEY) || "[]");
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function rememberDeclined(username) {
  const list = declinedAccounts();
  if (!list.includes(username)) localStorage.setItem(DECLINED_KEY, JSON.stringify([...list, username]));
}

function finish(pair) {
  adoptTokens(pair);
  navigate("home");
}

function languageSwitch() {
  const other = currentLanguage() === "vi" ? "en" : "vi";
  return h(
    "button",
    {
      type: "button",
      class: "secondary lang-switch",
      lang: other,
      onclick: async () => {
        await stopConditional();
        await loadLanguage(other);
        await renderRoute();
      },
    },
    t(`settings.language_names.${other}`),
  );
}

// ---- step 1: identifier and password ------------------------------------------------------------

function passwordStep(root, { username = "", message = "" } = {}) {
  const error = h("p", { id: "signin-error", class: "error form-error", role: "alert" }, message);
  const usernameInput = h("input", {
    id: "signin-username",
    name: "username",
    type: "text",
    inputmode: "numeric",
    autocomplete: "username webauthn",
    autocapitalize: "off",
    spellcheck: "false",
    required: true,
    maxlength: 64,
    value: username,
    "aria-describedby": "signin-username-hint",
  });
  const passwordInput = h("input", {
    id: "signin-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    maxlength: 256,
  });

  const form = h(
    "form",
    { class: "identity-form", novalidate: true },
    h(
      "div",
      { class: "field" },
      h("label", { for: "signin-username" }, t("signin.username")),
      h("p", { id: "signin-username-hint", class: "hint muted" }, t("signin.username_hint")),
      usernameInput,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "signin-password" }, t("signin.password")),
      passwordInput,
    ),
    error,
    h("button", { type: "submit", id: "signin-submit" }, t("signin.submit")),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = usernameInput.value.trim();
    const password = passwordInput.value;
    if (!name || !password) {
      error.textContent = t("signin.errors.missing");
      (name ? passwordInput : usernameInput).focus();
      return;
    }
    await stopConditional();
    error.textContent = "";
    setBusy(form, true);
    try {
      const issued = await api("/api/v1/auth/login", {
        method: "POST",
        auth: false,
        body: { username: name, password },
      });
      otpStep(root, { username: name, password, challengeId: issued.challenge_id, sentTo: issued.sent_to });
    } catch (failure) {
      setBusy(form, false);
      error.textContent = problemMessage(failure);
      passwordInput.select();
      passwordInput.focus();
      startConditional(error);
    }
  });

  const passkeyButton = passkeysSupported()
    ? h(
        "button",
        {
          type: "button",
          id: "signin-passkey",
          class: "secondary passkey-button",
          onclick: async () => {
            await stopConditional();
            error.textContent = "";
            passkeyButton.disabled = true;
            try {
              finish(await signInWithPasskey());
            } catch (failure) {
              passkeyButton.disabled = false;
              error.textContent = isCancelled(failure) ? t("signin.errors.passkey_cancelled") : problemMessage(failure);
              startConditional(error);
            }
          },
        },
        t("signin.passkey"),
      )
    : null;

  mount(
    root,
    h(
      "section",
      { class: "identity", "aria-labelledby": "signin-title" },
      h("div", { class: "identity-top" }, languageSwitch()),
      h("h1", { id: "signin-title" }, t("signin.title")),
      h("p", { class: "muted" }, t("signin.intro")),
      form,
      h("p", { class: "forgot-link" }, h("a", { href: "#/forgot" }, t("signin.forgot"))),
      h("p", { class: "forgot-link" }, h("a", { href: "#/lookups" }, t("lookups.link"))),
      passkeyButton ? h("div", { class: "or", role: "presentation" }, h("span", {}, t("signin.or"))) : null,
      passkeyButton,
      passkeyButton ? h("p", { class: "hint muted" }, t("signin.passkey_hint")) : null,
    ),
  );
  startConditional(error);
}

/** Offer passkeys in the username field's autofill, where the browser supports it (one request at a time). */
async function startConditional(error) {
  if (conditional) return;
  const controller = new AbortController();
  const pending = { controller, done: Promise.resolve() };
  conditional = pending; // claimed before the first await, so a second render cannot start another request
  if (!(await conditionalMediationAvailable()) || controller.signal.aborted) {
    if (conditional === pending) conditional = null;
    return;
  }
  pending.done = signInWithPasskey({ conditional: true, signal: controller.signal })
    .then((pair) => {
      if (!controller.signal.aborted) finish(pair);
    })
    .catch((failure) => {
      if (controller.signal.aborted || isCancelled(failure)) return;
      if (error.isConnected) error.textContent = problemMessage(failure);
    })
    .finally(() => {
      if (conditional === pending) conditional = null;
    });
}

// ---- step 2: the one-time code ------------------------------------------------------------------

function otpStep(root, state) {
  const error = h("p", { id: "otp-error", class: "error form-error", role: "alert" });
  const status = h("p", { class: "ok form-status", role: "status" });
  const codeInput = h("input", {
    id: "signin-code",
    name: "code",
    type: "text",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: 6,
    required: true,
    class: "otp-input",
    "aria-describedby": "otp-sent otp-error",
  });
  const form = h(
    "form",
    { class: "identity-form", novalidate: true },
    h(
      "div",
      { class: "field" },
      h("label", { for: "signin-code" }, t("signin.otp.code")),
      codeInput,
    ),
    error,
    h("button", { type: "submit", id: "otp-submit" }, t("signin.otp.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = codeInput.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      error.textContent = t("signin.errors.code_format");
      codeInput.focus();
      return;
    }
    error.textContent = "";
    status.textContent = "";
    setBusy(form, true);
    try {
      const pair = await api("/api/v1/auth/otp", {
        method: "POST",
        auth: false,
        body: { challenge_id: state.challengeId, code },
      });
      adoptTokens(pair);
      await afterPasswordSignIn(root, state.username);
    } catch (failure) {
      setBusy(form, false);
      error.textContent = problemMessage(failure);
      codeInput.select();
      codeInput.focus();
    }
  });

  const resend = h(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "otp-resend",
      onclick: async () => {
        error.textContent = "";
        status.textContent = "";
        resend.disabled = true;
        try {
          const issued = await api("/api/v1/auth/login", {
            method: "POST",
            auth: false,
            body: { username: state.username, password: state.password },
          });
          state.challengeId = issued.challenge_id;
          state.sentTo = issued.sent_to;
          status.textContent = t("signin.otp.resent");
        } catch (failure) {
          error.textContent = problemMessage(failure);
        } finally {
          resend.disabled = false;
        }
      },
    },
    t("signin.otp.resend"),
  );

  mount(
    root,
    h(
      "section",
      { class: "identity", "aria-labelledby": "otp-title" },
      h("h1", { id: "otp-title" }, t("signin.otp.title")),
      h(
        "p",
        { id: "otp-sent", class: "muted" },
        state.sentTo ? t("signin.otp.sent_to", { to: state.sentTo }) : t("signin.otp.sent"),
      ),
      form,
      status,
      h(
        "div",
        { class: "actions" },
        resend,
        h(
          "button",
          { type: "button", class: "secondary", onclick: () => passwordStep(root, { username: state.username }) },
          t("signin.otp.back"),
        ),
      ),
    ),
  );
  codeInput.focus();
}

// ---- step 3 (once): offer a passkey -------------------------------------------------------------

async function platformAuthenticatorAvailable() {
  try {
    return await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable();
  } catch {
    return false;
  }
}

async function afterPasswordSignIn(root, username) {
  if (!passkeysSupported() || declinedAccounts().includes(username) || !(await platformAuthenticatorAvailable())) {
    navigate("home");
    return;
  }
  try {
    const profile = await api("/api/v1/me");
    if (profile.has_passkey) {
      navigate("home");
      return;
    }
  } catch {
    navigate("home");
    return;
  }
  offerStep(root, username);
}

function offerStep(root, username) {
  const error = h("p", { id: "offer-error", class: "error form-error", role: "alert" });
  const create = h(
    "button",
    {
      type: "button",
      id: "offer-create",
      onclick: async () => {
        error.textContent = "";
        create.disabled = true;
        try {
          await enrolPasskey();
          navigate("home");
        } catch (failure) {
          create.disabled = false;
          error.textContent = isCancelled(failure) ? t("signin.offer.cancelled") : problemMessage(failure);
        }
      },
    },
    t("signin.offer.create"),
  );
  const later = h(
    "button",
    { type: "button", id: "offer-skip", class: "secondary", onclick: () => navigate("home") },
    t("signin.offer.later"),
  );
  const never = h(
    "button",
    {
      type: "button",
      id: "offer-decline",
      class: "secondary",
      onclick: () => {
        rememberDeclined(username);
        navigate("home");
      },
    },
    t("signin.offer.decline"),
  );
  mount(
    root,
    h(
      "section",
      { class: "identity", "aria-labelledby": "offer-title" },
      h("h1", { id: "offer-title" }, t("signin.offer.title")),
      h("p", {}, t("signin.offer.body")),
      h(
        "ul",
        { class: "offer-points" },
        h("li", {}, t("signin.offer.point_fast")),
        h("li", {}, t("signin.offer.point_safe")),
        h("li", {}, t("signin.offer.point_private")),
      ),
      error,
      h("div", { class: "actions stacked" }, create, later, never),
    ),
  );
  create.focus();
}

export async function render(root) {
  useStyles("/pwa/styles/identity.css");
  await stopConditional();
  if (isSignedIn()) {
    navigate("home");
    return;
  }
  passwordStep(root);
  window.addEventListener("hashchange", () => stopConditional(), { once: true });
}
