// Applications · a new one: the chooser of the four kinds, then the kind's form, filed once whatever the taps.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { t } from "../../lib/i18n.js";
import { navigate } from "../../lib/router.js";
import { BASE, KINDS, rememberFiled } from "./common.js";
import { FORMS } from "./forms.js";

export function renderChooser(root) {
  mount(
    root,
    h(
      "div",
      { class: "services-view" },
      h("p", {}, h("a", { href: "#/applications" }, t("applications.back"))),
      h("h1", {}, t("applications.new_title")),
      h("p", { class: "muted" }, t("applications.choose")),
      h(
        "ul",
        { class: "app-kinds" },
        KINDS.map((kind) =>
          h(
            "li",
            {},
            h(
              "a",
              { class: "app-kind", href: `#/applications/new/${kind}`, dataset: { kind } },
              h("strong", {}, t(`applications.kind.${kind}`)),
              h("span", { class: "muted" }, t(`applications.kind_hint.${kind}`)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function renderForm(root, kind) {
  const idempotencyKey = crypto.randomUUID(); // one per form instance: retries and double taps reuse it
  const body = FORMS[kind]();
  const error = h("p", { class: "error form-error", role: "alert", id: "app-form-error" });
  const submit = h("button", { type: "submit", id: "app-submit" }, t("applications.submit"));
  let sending = false;

  const form = h(
    "form",
    {
      class: "panel app-form",
      dataset: { kind },
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        if (sending) return;
        error.textContent = "";
        let details;
        try {
          details = body.details();
        } catch (failure) {
          error.textContent = failure.message;
          return;
        }
        sending = true;
        submit.disabled = true;
        submit.textContent = t("applications.sending");
        try {
          const view = await api(BASE, { method: "POST", body: { kind, details }, headers: { "Idempotency-Key": idempotencyKey } });
          rememberFiled(view);
          navigate("applications", String(view.id));
        } catch (failure) {
          error.textContent = problemMessage(failure);
          submit.disabled = false;
          submit.textContent = t("applications.submit");
          sending = false;
        }
      },
    },
    body.parts,
    error,
    h("div", { class: "actions" }, submit),
  );
  mount(
    root,
    h(
      "div",
      { class: "services-view" },
      h("p", {}, h("a", { href: "#/applications/new" }, t("applications.back_choose"))),
      h("h1", {}, t(`applications.kind.${kind}`)),
      h("p", { class: "muted" }, t(`applications.kind_hint.${kind}`)),
      form,
    ),
  );
}
