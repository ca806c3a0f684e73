// Forgotten password: identifier → a code goes to the phone or e-mail on record → code + new password → done.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { problemMessage, setBusy } from "../lib/feedback.js";
import { t } from "../lib/i18n.js";

const MIN_PASSWORD = 8;

function backToSignIn() {
  return h("p", { class: "forgot-link" }, h("a", { href: "#/signin" }, t("forgot.back")));
}

// ---- step 1: who is it ----------------------------------------------------------------------------

function identifierStep(root, { username = "" } = {}) {
  const error = h("p", { id: "forgot-error", class: "error form-error", role: "alert" });
  const input = h("input", {
    id: "forgot-username",
    name: "username",
    type: "text",
    inputmode: "numeric",
    autocomplete: "username",
    autocapitalize: "off",
    spellcheck: "false",
    required: true,
    maxlength: 64,
    value: username,
    "aria-describedby": "forgot-username-hint",
  });
  const form = h(
    "form",
    { class: "identity-form", novalidate: true },
    h(
      "div",
      { class: "field" },
      h("label", { for: "forgot-username" }, t("signin.username")),
      h("p", { id: "forgot-username-hint", class: "hint muted" }, t("signin.username_hint")),
      input,
    ),
    error,
    h("button", { type: "submit", id: "forgot-send" }, t("forgot.send")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      error.textContent = t("forgot.errors.missing_username");
      input.focus();
      return;
    }
    error.textContent = "";
    setBusy(form, true);
    try {
      const issued = await api("/api/v1/auth/password/reset", {
        method: "POST",
        auth: false,
        body: { username: name },
      });
      codeStep(root, { username: name, challengeId: issued.challenge_id });
    } catch (failure) {
      setBusy(form, false);
      error.textContent = problemMessage(failure);
      input.focus();
    }
  });
  mount(
    root,
    h(
      "section",
      { class: "identity", "aria-labelledby": "forgot-title" },
      h("h1", { id: "forgot-title" }, t("forgot.title")),
      h("p", { class: "muted" }, t("forgot.intro")),
      form,
      backToSignIn(),
    ),
  );
}

// ---- step 2: the code and the new password --------------------------------------------------------

function codeStep(root, state) {
  const error = h("p", { id: "reset-error", class: "error form-error", role: "alert" });
  const code = h("input", {
    id: "reset-code",
    name: "code",
    type: "text",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: 6,
    required: true,
    class: "otp-input",
    "aria-describedby": "reset-sent",
  });
  const password = h("input", {
    id: "reset-password",
    name: "new-password",
    type: "password",
    autocomplete: "new-password",
    minlength: MIN_PASSWORD,
    maxlength: 128,
    required: true,
    "aria-describedby": "reset-password-hint",
  });
  const confirm = h("input", {
    id: "reset-confirm",
    name: "confirm-password",
    type: "password",
    autocomplete: "new-password",
    minlength: MIN_PASSWORD,
    maxlength: 128,
    required: true,
  });
  const form = h(
    "form",
    { class: "identity-form", novalidate: true },
    // For password managers: which account the new password belongs to.
    h("input", { type: "text", name: "username", autocomplete: "username", value: state.username, hidden: true }),
    h("div", { class: "field" }, h("label", { for: "reset-code" }, t("forgot.code")), code),
    h(
      "div",
      { class: "field" },
      h("label", { for: "reset-password" }, t("forgot.new_password")),
      h("p", { id: "reset-password-hint", class: "hint muted" }, t("forgot.password_hint")),
      password,
    ),
    h("div", { class: "field" }, h("label", { for: "reset-confirm" }, t("forgot.confirm_password")), confirm),
    error,
    h("button", { type: "submit", id: "reset-submit" }, t("forgot.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = code.value.replace(/\s+/g, "");
    let problem = null;
    let focus = null;
    if (!/^\d{6}$/.test(value)) [problem, focus] = [t("signin.errors.code_format"), code];
    else if (password.value.length < MIN_PASSWORD) [problem, focus] = [t("forgot.errors.too_short"), password];
    else if (password.value !== confirm.value) [problem, focus] = [t("forgot.errors.mismatch"), confirm];
    if (problem) {
      error.textContent = problem;
      focus.focus();
      return;
    }
    error.textContent = "";
    setBusy(form, true);
    try {
      await api("/api/v1/auth/password/reset/confirm", {
        method: "POST",
        auth: false,
        body: { challenge_id: state.challengeId, code: value, password: password.value },
      });
      doneStep(root);
    } catch (failure) {
      setBusy(form, false);
      error.textContent = problemMessage(failure);
      (failure?.status === 400 ? password : code).focus();
    }
  });
  mount(
    root,
    h(
      "section",
      { class: "identity", "aria-labelledby": "reset-title" },
      h("h1", { id: "reset-title" }, t("forgot.code_title")),
      h("p", { id: "reset-sent", class: "muted" }, t("forgot.code_sent")),
      form,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "reset-restart",
            onclick: () => identifierStep(root, { username: state.username }),
          },
          t("forgot.resend"),
        ),
      ),
      backToSignIn(),
    ),
  );
  code.focus();
}

// ---- step 3: done ---------------------------------------------------------------------------------

function doneStep(root) {
  const link = h("a", { href: "#/signin", class: "button", id: "reset-done-signin" }, t("forgot.sign_in"));
  mount(
    root,
    h(
      "section",
      { class: "identity", "aria-labelledby": "reset-done-title" },
      h("h1", { id: "reset-done-title" }, t("forgot.done_title")),
      h("p", { role: "status", class: "ok" }, t("forgot.done_body")),
      link,
    ),
  );
  link.focus();
}

export async function render(root) {
  useStyles("/pwa/styles/identity.css");
  identifierStep(root);
}
