// Settings · passkeys: the list, rename, remove (the last one needs a step-up) and add one on this device.

import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { formatDate, formatDateTime, t } from "../../lib/i18n.js";
import {
  enrolPasskey,
  isCancelled,
  listPasskeys,
  passkeysSupported,
  removePasskey,
  renamePasskey,
} from "../../lib/passkeys.js";
import { isStepUpCancelled, runWithStepUp } from "../../lib/stepup.js";
import { section } from "./section.js";

export function passkeySection(stepUp, reloads) {
  const list = h("ul", { class: "list settings-list", id: "passkey-list" });
  const stepUpHost = h("div", { class: "stepup-host", id: "passkey-stepup" });
  const status = h("p", { class: "ok form-status", role: "status" });
  const error = h("p", { class: "error form-error", role: "alert" });

  const say = (text) => {
    error.textContent = "";
    status.textContent = text;
  };
  const fail = (failure) => {
    status.textContent = "";
    error.textContent = isCancelled(failure) ? t("settings.passkeys.cancelled") : problemMessage(failure);
  };

  async function load(focusAfter = null) {
    let passkeys;
    try {
      passkeys = await listPasskeys();
    } catch (failure) {
      fail(failure);
      return;
    }
    if (!passkeys.length) mount(list, h("li", { class: "muted" }, t("settings.passkeys.none")));
    else mount(list, passkeys.map((passkey) => row(passkey)));
    if (focusAfter) (list.querySelector(focusAfter) ?? addButton ?? list).focus?.();
  }

  function row(passkey) {
    const item = h("li", { class: "settings-item", dataset: { passkeyId: passkey.id } });
    const show = () =>
      mount(
        item,
        h(
          "div",
          { class: "item-text" },
          h("strong", { class: "passkey-name" }, passkey.name),
          h("span", { class: "muted" }, t("settings.passkeys.created", { date: formatDate(passkey.created_at) })),
          h(
            "span",
            { class: "muted" },
            passkey.last_used_at
              ? t("settings.passkeys.last_used", { when: formatDateTime(passkey.last_used_at) })
              : t("settings.passkeys.never_used"),
          ),
        ),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              dataset: { action: "rename" },
              "aria-label": t("settings.passkeys.rename_named", { name: passkey.name }),
              onclick: rename,
            },
            t("settings.passkeys.rename"),
          ),
          h(
            "button",
            {
              type: "button",
              class: "secondary danger-outline",
              dataset: { action: "remove" },
              "aria-label": t("settings.passkeys.remove_named", { name: passkey.name }),
              onclick: confirmRemove,
            },
            t("settings.passkeys.remove"),
          ),
        ),
      );

    function rename() {
      const inputId = `passkey-name-${passkey.id}`;
      const input = h("input", {
        id: inputId,
        name: "name",
        type: "text",
        required: true,
        maxlength: 64,
        value: passkey.name,
      });
      const form = h(
        "form",
        { class: "inline-form", novalidate: true },
        h("div", { class: "field" }, h("label", { for: inputId }, t("settings.passkeys.new_name")), input),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", dataset: { action: "save" } }, t("common.save")),
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                show();
                item.querySelector("[data-action=rename]").focus();
              },
            },
            t("common.cancel"),
          ),
        ),
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const name = input.value.trim();
        if (!name) {
          status.textContent = "";
          error.textContent = t("settings.passkeys.name_required");
          input.focus();
          return;
        }
        try {
          const updated = await renamePasskey(passkey.id, name);
          Object.assign(passkey, updated);
          show();
          say(t("settings.passkeys.renamed", { name: passkey.name }));
          item.querySelector("[data-action=rename]").focus();
        } catch (failure) {
          fail(failure);
        }
      });
      mount(item, form);
      input.select();
      input.focus();
    }

    function confirmRemove() {
      mount(
        item,
        h("p", { class: "confirm-text" }, t("settings.passkeys.confirm_remove", { name: passkey.name })),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "danger",
              dataset: { action: "confirm-remove" },
              onclick: async () => {
                try {
                  // Removing the last passkey needs a step-up; the server says when, the panel says how.
                  await runWithStepUp(() => removePasskey(passkey.id), { host: stepUpHost, ...stepUp });
                  say(t("settings.passkeys.removed", { name: passkey.name }));
                  await load("[data-action=rename]");
                } catch (failure) {
                  if (!isStepUpCancelled(failure)) fail(failure);
                  else if (item.isConnected) {
                    show();
                    item.querySelector("[data-action=remove]").focus();
                  }
                }
              },
            },
            t("settings.passkeys.remove"),
          ),
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                show();
                item.querySelector("[data-action=remove]").focus();
              },
            },
            t("common.cancel"),
          ),
        ),
      );
      item.querySelector("[data-action=confirm-remove]").focus();
    }

    show();
    return item;
  }

  const addButton = passkeysSupported()
    ? h(
        "button",
        {
          type: "button",
          id: "passkey-add",
          onclick: async () => {
            addButton.disabled = true;
            try {
              const created = await enrolPasskey();
              say(t("settings.passkeys.added", { name: created.name }));
              await load();
            } catch (failure) {
              fail(failure);
            } finally {
              addButton.disabled = false;
            }
          },
        },
        t("settings.passkeys.add"),
      )
    : h("p", { class: "muted" }, t("settings.passkeys.unsupported"));

  load();
  reloads.add(() => load());
  return section(
    "settings-passkeys",
    t("settings.passkeys.title"),
    h("p", { class: "muted" }, t("settings.passkeys.intro")),
    list,
    stepUpHost,
    status,
    error,
    addButton,
  );
}
