// Settings · contact on record: phone / e-mail, changed with a code sent to the new one (and a step-up).

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { t } from "../../lib/i18n.js";
import { isStepUpCancelled, runWithStepUp } from "../../lib/stepup.js";
import { section } from "./section.js";

// The server's rule for a phone number (identity/schemas.py Phone), checked here to answer at once.
const PHONE_PATTERN = /^\+?\d{9,15}$/;

export function contactSection(profile, stepUp, refresh) {
  const current = h("dl", { class: "fields", id: "contact-current" });
  const status = h("p", { class: "ok form-status", role: "status", id: "contact-status" });
  const error = h("p", { class: "error form-error", role: "alert", id: "contact-error" });
  const host = h("div", { class: "stepup-host", id: "contact-stepup" });
  const body = h("div", {});

  function show(me) {
    const none = h("span", { class: "muted" }, t("settings.contact.none"));
    mount(
      current,
      h("dt", {}, t("settings.contact.phone")),
      h("dd", { id: "contact-phone" }, me.phone || none.cloneNode(true)),
      h("dt", {}, t("settings.contact.email")),
      h("dd", { id: "contact-email" }, me.email || none),
    );
  }

  const say = (text, failed = false) => {
    status.textContent = failed ? "" : text;
    error.textContent = failed ? text : "";
  };

  function requestForm() {
    const phoneChoice = h("input", { type: "radio", name: "contact-field", id: "contact-field-phone", value: "phone", checked: true });
    const emailChoice = h("input", { type: "radio", name: "contact-field", id: "contact-field-email", value: "email" });
    const valueLabel = h("label", { for: "contact-value" });
    const input = h("input", { id: "contact-value", name: "value", required: true, maxlength: 254 });
    const submit = h("button", { type: "submit", id: "contact-submit" }, t("settings.contact.submit"));
    const choose = () => {
      const phone = phoneChoice.checked;
      valueLabel.textContent = phone ? t("settings.contact.new_phone") : t("settings.contact.new_email");
      input.type = phone ? "tel" : "email";
      input.autocomplete = phone ? "tel" : "email";
      input.inputMode = phone ? "tel" : "email";
    };
    phoneChoice.addEventListener("change", choose);
    emailChoice.addEventListener("change", choose);
    choose();
    const form = h(
      "form",
      { class: "contact-form", novalidate: true },
      h(
        "fieldset",
        { class: "choice" },
        h("legend", {}, t("settings.contact.which")),
        h("label", { for: "contact-field-phone", class: "choice-option" }, phoneChoice, h("span", {}, t("settings.contact.phone"))),
        h("label", { for: "contact-field-email", class: "choice-option" }, emailChoice, h("span", {}, t("settings.contact.email"))),
      ),
      h("div", { class: "field" }, valueLabel, input),
      h("p", { class: "hint muted" }, t("settings.contact.step_up_note")),
      h("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const field = phoneChoice.checked ? "phone" : "email";
      const value = field === "phone" ? input.value.replace(/[\s.-]/g, "") : input.value.trim();
      const valid = field === "phone" ? PHONE_PATTERN.test(value) : /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
      if (!valid) {
        say(t(field === "phone" ? "settings.contact.invalid_phone" : "settings.contact.invalid_email"), true);
        input.focus();
        return;
      }
      say("");
      submit.disabled = true;
      try {
        const issued = await runWithStepUp(
          () => api("/api/v1/me/contact", { method: "PATCH", body: { [field]: value } }),
          { host, ...stepUp },
        );
        codeForm(field, value, issued.challenge_id);
      } catch (failure) {
        if (!isStepUpCancelled(failure)) say(problemMessage(failure), true);
        else input.focus();
      } finally {
        submit.disabled = false;
      }
    });
    mount(body, form);
  }

  function codeForm(field, value, challengeId) {
    const input = h("input", {
      id: "contact-code",
      name: "code",
      type: "text",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      pattern: "[0-9]{6}",
      maxlength: 6,
      required: true,
      class: "otp-input",
      "aria-describedby": "contact-code-sent",
    });
    const confirm = h("button", { type: "submit", id: "contact-confirm" }, t("settings.contact.confirm"));
    const form = h(
      "form",
      { class: "contact-form", novalidate: true },
      h("p", { id: "contact-code-sent" }, t("settings.contact.code_sent", { to: value })),
      h("div", { class: "field" }, h("label", { for: "contact-code" }, t("settings.contact.code")), input),
      h(
        "div",
        { class: "actions" },
        confirm,
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "contact-cancel",
            onclick: () => {
              say("");
              requestForm();
              body.querySelector("#contact-value")?.focus();
            },
          },
          t("common.cancel"),
        ),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const code = input.value.replace(/\s+/g, "");
      if (!/^\d{6}$/.test(code)) {
        say(t("settings.contact.code_format"), true);
        input.focus();
        return;
      }
      confirm.disabled = true;
      try {
        await api("/api/v1/me/contact/confirm", { method: "POST", body: { challenge_id: challengeId, code } });
      } catch (failure) {
        confirm.disabled = false;
        say(problemMessage(failure), true);
        input.select();
        input.focus();
        return;
      }
      requestForm();
      say(t(field === "phone" ? "settings.contact.changed_phone" : "settings.contact.changed_email"));
      element.querySelector("h2").focus(); // the confirm button is gone: keep focus in the section
      try {
        show(await api("/api/v1/me"));
      } catch {
        // The change is made; the list above catches up on the next visit.
      }
      refresh();
    });
    mount(body, form);
    input.focus();
  }

  const element = section(
    "settings-contact",
    t("settings.contact.title"),
    h("p", { class: "muted" }, t("settings.contact.intro")),
    current,
    body,
    host,
    status,
    error,
  );
  element.querySelector("h2").setAttribute("tabindex", "-1");
  profile.then(
    (me) => {
      show(me);
      // Staff contacts are managed by administrators; only a citizen changes their own here.
      if (me.role === "citizen") requestForm();
    },
    (failure) => say(problemMessage(failure), true),
  );
  return element;
}
