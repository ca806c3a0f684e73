// Settings: language, identity verification (assurance level), contact on record, notifications (push, card
// checks), passkeys, signed-in devices, security events, my data, sign-out.

import { api, signOut } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { currentLanguage, formatDate, formatDateTime, LANGUAGES, loadLanguage, t } from "../lib/i18n.js";
import {
  enrolPasskey,
  isCancelled,
  listPasskeys,
  passkeysSupported,
  removePasskey,
  renamePasskey,
} from "../lib/passkeys.js";
import { render as renderRoute } from "../lib/router.js";
import { isStepUpCancelled, runWithStepUp } from "../lib/stepup.js";
import { problemMessage } from "./signin.js";

const EVENTS_PAGE = 10;
const CHIP_HISTORY = 5;
// The server's rule for a phone number (identity/schemas.py Phone), checked here to answer at once.
const PHONE_PATTERN = /^\+?\d{9,15}$/;

/** A text for a known code (``settings.events.sign_in``), else the code itself. */
function label(prefix, code) {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? code : text;
}

/** "Chrome · Android" from a user agent; enough to recognise one's own devices. */
function deviceName(userAgent) {
  if (!userAgent) return t("settings.sessions.unknown_device");
  const browsers = [
    [/Edg\//, "Edge"],
    [/OPR\//, "Opera"],
    [/SamsungBrowser\//, "Samsung Internet"],
    [/Zalo/i, "Zalo"],
    [/Firefox\//, "Firefox"],
    [/(Chrome|Chromium|CriOS)\//, "Chrome"],
    [/Safari\//, "Safari"],
  ];
  const systems = [
    [/Android/, "Android"],
    [/iPhone|iPad|iOS/, "iOS"],
    [/Windows/, "Windows"],
    [/Mac OS X|Macintosh/, "macOS"],
    [/CrOS/, "ChromeOS"],
    [/Linux/, "Linux"],
  ];
  const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (!browser && !system) return t("settings.sessions.unknown_device");
  return [browser, system].filter(Boolean).join(" · ");
}

function section(id, title, ...children) {
  return h(
    "section",
    { class: "panel settings-section", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    ...children,
  );
}

// ---- language -------------------------------------------------------------------------------------

function languageSection() {
  const select = h(
    "select",
    { id: "settings-language", name: "language" },
    LANGUAGES.map((code) =>
      h(
        "option",
        { value: code, lang: code, selected: code === currentLanguage() },
        t(`settings.language_names.${code}`),
      ),
    ),
  );
  select.addEventListener("change", async () => {
    await loadLanguage(select.value);
    await renderRoute();
    document.getElementById("settings-language")?.focus();
  });
  return section(
    "settings-lang",
    t("settings.language"),
    h("div", { class: "field" }, h("label", { for: "settings-language" }, t("settings.language_label")), select),
  );
}

// ---- identity verification: the assurance level, how to raise it, the chip verifications -------------

/** Whether this browser has Web NFC at all (Chrome on Android); it still cannot open an ID card's chip. */
function hasWebNfc() {
  return "NDEFReader" in window;
}

/** "Card ending 1234" from "1234" or the events log's "…1234". */
function documentText(digits) {
  const last = String(digits ?? "").replace(/^…/, "");
  return last ? t("settings.identity.document", { digits: last }) : null;
}

/** Purpose, outcome, failed check and card digits of a chip verification, as one line. */
function chipSummary({ purpose, outcome, failed_check: failedCheck, document }) {
  return [
    purpose ? label("settings.identity.purpose", purpose) : null,
    outcome ? label("settings.identity.outcome", outcome) : null,
    failedCheck
      ? t("settings.identity.failed_at", { check: label("settings.identity.checks", failedCheck) })
      : null,
    documentText(document),
  ]
    .filter(Boolean)
    .join(" · ");
}

function identitySection(profile) {
  const level = h("p", { id: "assurance-level", class: "assurance-level" });
  const allows = h("p", { id: "assurance-allows" });
  const history = h("ul", { class: "list settings-list", id: "chip-history" });
  const error = h("p", { class: "error form-error", role: "alert" });
  // Said plainly: no browser API reaches the chip, so there is no button that would pretend to scan it.
  const browserNote = h(
    "div",
    { class: "notice chip-browser-note", id: "chip-browser-note" },
    h("h3", {}, t("settings.identity.browser_title")),
    h("p", {}, hasWebNfc() ? t("settings.identity.browser_web_nfc") : t("settings.identity.browser_no_nfc")),
  );
  const raise = h(
    "div",
    { id: "assurance-raise" },
    h("h3", {}, t("settings.identity.raise_title")),
    h(
      "ol",
      { class: "chip-ways" },
      h("li", {}, t("settings.identity.raise_app")),
      h("li", {}, t("settings.identity.raise_counter")),
    ),
    h("p", { class: "muted" }, t("settings.identity.raise_checks")),
  );

  async function loadHistory() {
    let page;
    try {
      page = await api(`/api/v1/me/chip-id/verifications?limit=${CHIP_HISTORY}&offset=0`);
    } catch (failure) {
      error.textContent = problemMessage(failure);
      return;
    }
    if (!page.items.length) {
      mount(history, h("li", { class: "muted" }, t("settings.identity.history_none")));
      return;
    }
    mount(
      history,
      page.items.map((item) =>
        h(
          "li",
          { class: "settings-item", dataset: { outcome: item.outcome } },
          h(
            "div",
            { class: "item-text" },
            h(
              "strong",
              {},
              label("settings.identity.purpose", item.purpose),
              h(
                "span",
                { class: `badge ${item.outcome === "passed" ? "ok" : "bad"}` },
                label("settings.identity.outcome", item.outcome),
              ),
            ),
            h("time", { datetime: item.created_at, class: "muted" }, formatDateTime(item.created_at)),
            item.failed_check
              ? h(
                  "span",
                  {},
                  t("settings.identity.failed_at", { check: label("settings.identity.checks", item.failed_check) }),
                )
              : null,
            item.document_last_digits ? h("span", { class: "muted" }, documentText(item.document_last_digits)) : null,
          ),
        ),
      ),
    );
  }

  profile.then(
    (me) => {
      const verified = me.assurance_level === "chip_verified";
      level.dataset.level = me.assurance_level;
      mount(
        level,
        h("span", {}, t("settings.identity.level_label")),
        " ",
        h("span", { class: `badge ${verified ? "ok" : "warn"}` }, label("settings.identity.levels", me.assurance_level)),
      );
      allows.textContent = verified ? t("settings.identity.allows_chip") : t("settings.identity.allows_basic");
      raise.hidden = verified;
      if (me.role === "citizen") loadHistory();
      else history.hidden = true;
    },
    (failure) => {
      error.textContent = problemMessage(failure);
    },
  );

  const element = section(
    "settings-identity",
    t("settings.identity.title"),
    level,
    allows,
    raise,
    browserNote,
    h("h3", {}, t("settings.identity.history_title")),
    history,
    error,
  );
  // The step-up panel's "how to verify the chip" button moves focus here.
  element.querySelector("h2").setAttribute("tabindex", "-1");
  return element;
}

// ---- contact on record: phone / e-mail, changed with a code sent to the new one (and a step-up) -----

function contactSection(profile, stepUp, refresh) {
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

// ---- passkeys -------------------------------------------------------------------------------------

function passkeySection(stepUp, reloads) {
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

// ---- signed-in devices ----------------------------------------------------------------------------

function sessionSection(reloads) {
  const list = h("ul", { class: "list settings-list", id: "session-list" });
  const status = h("p", { class: "ok form-status", role: "status" });
  const error = h("p", { class: "error form-error", role: "alert" });
  const others = h(
    "button",
    { type: "button", id: "sessions-revoke-others", class: "secondary", hidden: true, onclick: revokeOthers },
    t("settings.sessions.sign_out_others"),
  );
  let sessions = [];

  async function load() {
    try {
      sessions = await api("/api/v1/me/sessions");
    } catch (failure) {
      error.textContent = problemMessage(failure);
      return;
    }
    sessions.sort((a, b) => Number(b.current) - Number(a.current) || b.last_seen_at.localeCompare(a.last_seen_at));
    mount(list, sessions.map(row));
    others.hidden = !sessions.some((s) => !s.current);
  }

  function row(session) {
    return h(
      "li",
      { class: "settings-item", dataset: { sessionId: session.id, current: String(session.current) } },
      h(
        "div",
        { class: "item-text" },
        h(
          "strong",
          {},
          deviceName(session.user_agent),
          session.current ? h("span", { class: "badge ok" }, t("settings.sessions.this_device")) : null,
        ),
        h("span", { class: "muted" }, t("settings.sessions.signed_in", { when: formatDateTime(session.created_at) })),
        h("span", { class: "muted" }, t("settings.sessions.last_seen", { when: formatDateTime(session.last_seen_at) })),
        h("span", { class: "muted" }, label("settings.sessions.amr", session.amr)),
      ),
      session.current
        ? null
        : h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                class: "secondary",
                dataset: { action: "revoke" },
                "aria-label": t("settings.sessions.sign_out_named", { device: deviceName(session.user_agent) }),
                onclick: async () => {
                  try {
                    await api(`/api/v1/me/sessions/${encodeURIComponent(session.id)}`, { method: "DELETE" });
                    status.textContent = t("settings.sessions.signed_out_one");
                    error.textContent = "";
                    await load();
                    others.hidden ? list.focus?.() : others.focus();
                  } catch (failure) {
                    error.textContent = problemMessage(failure);
                  }
                },
              },
              t("settings.sessions.sign_out"),
            ),
          ),
    );
  }

  async function revokeOthers() {
    others.disabled = true;
    error.textContent = "";
    status.textContent = "";
    const targets = sessions.filter((s) => !s.current);
    let done = 0;
    try {
      for (const session of targets) {
        await api(`/api/v1/me/sessions/${encodeURIComponent(session.id)}`, { method: "DELETE" });
        done += 1;
      }
      status.textContent = t("settings.sessions.signed_out_others", { count: done });
    } catch (failure) {
      error.textContent = problemMessage(failure);
    } finally {
      others.disabled = false;
      await load();
    }
  }

  load();
  reloads.add(() => load());
  return section(
    "settings-sessions",
    t("settings.sessions.title"),
    h("p", { class: "muted" }, t("settings.sessions.intro")),
    list,
    status,
    error,
    others,
  );
}

// ---- security events ------------------------------------------------------------------------------

/** The detail worth showing for an event kind (chip checks, which contact changed), else null. */
function eventDetail(event) {
  const detail = event.detail ?? {};
  if (event.kind === "chip_verified" || event.kind === "chip_verification_failed") return chipSummary(detail);
  if (event.kind === "contact_changed" && detail.field) return label("settings.contact", detail.field);
  return null;
}

function eventSection(reloads) {
  const list = h("ul", { class: "list settings-list", id: "event-list" });
  const summary = h("p", { class: "muted", id: "event-range", "aria-live": "polite" });
  const error = h("p", { class: "error form-error", role: "alert" });
  let offset = 0;
  let total = 0;
  const newer = h(
    "button",
    { type: "button", class: "secondary", id: "events-newer", onclick: () => load(Math.max(0, offset - EVENTS_PAGE)) },
    t("settings.events_newer"),
  );
  const older = h(
    "button",
    { type: "button", class: "secondary", id: "events-older", onclick: () => load(offset + EVENTS_PAGE) },
    t("settings.events_older"),
  );

  async function load(at = 0) {
    let page;
    try {
      page = await api(`/api/v1/me/security-events?limit=${EVENTS_PAGE}&offset=${at}`);
    } catch (failure) {
      error.textContent = problemMessage(failure);
      return;
    }
    error.textContent = "";
    offset = page.offset;
    total = page.total;
    if (!page.items.length) mount(list, h("li", { class: "muted" }, t("settings.events_none")));
    else
      mount(
        list,
        page.items.map((event) =>
          h(
            "li",
            { class: "settings-item event", dataset: { kind: event.kind } },
            h(
              "div",
              { class: "item-text" },
              h("strong", {}, label("settings.events", event.kind)),
              eventDetail(event) ? h("span", { class: "event-detail" }, eventDetail(event)) : null,
              h("time", { datetime: event.created_at, class: "muted" }, formatDateTime(event.created_at)),
              event.user_agent || event.ip
                ? h("span", { class: "muted" }, [deviceName(event.user_agent), event.ip].filter(Boolean).join(" · "))
                : null,
            ),
          ),
        ),
      );
    summary.textContent = total
      ? t("settings.events_range", { from: offset + 1, to: offset + page.items.length, total })
      : "";
    newer.disabled = offset === 0;
    older.disabled = offset + page.items.length >= total;
    pager.hidden = total <= EVENTS_PAGE;
  }

  const pager = h("div", { class: "actions pager", hidden: true }, newer, older);
  load();
  reloads.add(() => load(0));
  return section(
    "settings-events",
    t("settings.events_title"),
    h("p", { class: "muted" }, t("settings.events_intro")),
    summary,
    list,
    error,
    pager,
  );
}

// ---- notifications: Web Push on this device, and the opt-in card-check notice ---------------------

/** Web Push needs a service worker, the Push API and notifications (iOS: only once added to the home screen). */
export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
}

/** A base64url VAPID key → the bytes pushManager.subscribe() wants. */
export function base64UrlToBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function toggle(id, labelText, hintText) {
  const input = h("input", { type: "checkbox", role: "switch", id, disabled: true, "aria-describedby": `${id}-hint` });
  const row = h(
    "div",
    { class: "field settings-switch" },
    h("label", { for: id, class: "switch-label" }, input, h("span", {}, labelText)),
    h("p", { class: "hint muted", id: `${id}-hint` }, hintText),
  );
  return { input, row };
}

function notificationSection() {
  const status = h("p", { class: "ok form-status", role: "status", id: "settings-notify-status" });
  const error = h("p", { class: "error form-error", role: "alert", id: "settings-notify-error" });
  const push = toggle("settings-push", t("settings.notify.push"), t("settings.notify.push_hint"));
  const cardChecked = toggle("settings-card-checked", t("settings.notify.card_checked"), t("settings.notify.card_checked_hint"));
  const say = (text, failed = false) => {
    status.textContent = failed ? "" : text;
    error.textContent = failed ? text : "";
  };

  async function registration() {
    return withTimeout(navigator.serviceWorker.ready, 10_000);
  }

  async function setUpPush() {
    if (!pushSupported()) {
      push.row.querySelector(".hint").textContent = t("settings.notify.push_unsupported");
      return;
    }
    let key;
    try {
      key = (await api("/api/v1/push/public-key", { auth: false })).public_key;
    } catch (failure) {
      push.row.querySelector(".hint").textContent =
        failure?.status === 503 ? t("settings.notify.push_unavailable") : problemMessage(failure);
      return;
    }
    try {
      const existing = await (await registration()).pushManager.getSubscription();
      push.input.checked = Boolean(existing) && Notification.permission === "granted";
    } catch {
      push.row.querySelector(".hint").textContent = t("settings.notify.push_unsupported");
      return;
    }
    push.input.disabled = false;
    push.input.addEventListener("change", async () => {
      push.input.disabled = true;
      try {
        if (push.input.checked) await subscribe(key);
        else await unsubscribe();
      } catch (failure) {
        push.input.checked = !push.input.checked;
        say(failure?.status !== undefined ? problemMessage(failure) : t("settings.notify.push_failed"), true);
      } finally {
        push.input.disabled = false;
      }
    });
  }

  async function subscribe(key) {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      push.input.checked = false;
      say(t("settings.notify.push_denied"), true);
      return;
    }
    const reg = await registration();
    const subscription =
      (await reg.pushManager.getSubscription()) ??
      (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key) }));
    const json = subscription.toJSON();
    try {
      await api("/api/v1/me/push-subscriptions", {
        method: "POST",
        body: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth }, language: currentLanguage() },
      });
    } catch (failure) {
      // The server does not know this subscription: do not leave the browser subscribed for nothing.
      await subscription.unsubscribe().catch(() => {});
      throw failure;
    }
    say(t("settings.notify.push_on"));
  }

  async function unsubscribe() {
    const subscription = await (await registration()).pushManager.getSubscription();
    if (subscription) {
      await api(`/api/v1/me/push-subscriptions?${new URLSearchParams({ endpoint: subscription.endpoint })}`, { method: "DELETE" });
      await subscription.unsubscribe();
    }
    say(t("settings.notify.push_off"));
  }

  async function setUpCardChecked() {
    let preferences;
    try {
      preferences = await api("/api/v1/me/notification-preferences");
    } catch (failure) {
      say(problemMessage(failure), true);
      return;
    }
    cardChecked.input.checked = Boolean(preferences.card_checked);
    cardChecked.input.disabled = false;
    cardChecked.input.addEventListener("change", async () => {
      cardChecked.input.disabled = true;
      try {
        const saved = await api("/api/v1/me/notification-preferences", {
          method: "PUT",
          body: { card_checked: cardChecked.input.checked },
        });
        cardChecked.input.checked = Boolean(saved.card_checked);
        say(t(saved.card_checked ? "settings.notify.card_checked_on" : "settings.notify.card_checked_off"));
      } catch (failure) {
        cardChecked.input.checked = !cardChecked.input.checked;
        say(problemMessage(failure), true);
      } finally {
        cardChecked.input.disabled = false;
      }
    });
  }

  setUpPush();
  setUpCardChecked();
  return section(
    "settings-notify",
    t("settings.notify.title"),
    push.row,
    cardChecked.row,
    status,
    error,
    h("p", {}, h("a", { href: "#/inbox" }, t("settings.notify.inbox_link"))),
  );
}

// ---- the screen -----------------------------------------------------------------------------------

// ---- my data (Decree 13/2023) ---------------------------------------------------------------------

function myDataSection() {
  const status = h("p", { role: "status", class: "muted" });
  const button = h(
    "button",
    {
      type: "button",
      id: "settings-export",
      class: "secondary",
      onclick: async () => {
        button.disabled = true;
        status.textContent = t("settings.my_data.preparing");
        try {
          const response = await api("/api/v1/me/export", { raw: true });
          const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1];
          const link = h("a", { href: URL.createObjectURL(await response.blob()), download: name ?? "ansinh-my-data.json" });
          document.body.append(link);
          link.click();
          link.remove();
          status.textContent = t("settings.my_data.done");
        } catch (error) {
          status.textContent = problemMessage(error);
        } finally {
          button.disabled = false;
        }
      },
    },
    t("settings.my_data.download"),
  );
  return section("settings-my-data", t("settings.my_data.title"), h("p", {}, t("settings.my_data.hint")), button, status);
}

export async function render(root) {
  useStyles("/pwa/styles/identity.css");
  useStyles("/pwa/styles/services.css");
  const leave = h(
    "button",
    {
      type: "button",
      id: "settings-sign-out",
      class: "danger",
      onclick: async () => {
        leave.disabled = true;
        await signOut(); // the shell listens for sign-out and shows the sign-in screen
      },
    },
    t("settings.sign_out"),
  );
  // Lists that a step-up sign-in or a contact change makes stale (a new session, a new security event).
  const reloads = new Set();
  const refresh = () => reloads.forEach((reload) => reload());
  const profile = api("/api/v1/me");
  const identity = identitySection(profile);
  const stepUp = { chipHelp: identity, onSignedIn: refresh };
  mount(
    root,
    h(
      "div",
      { class: "settings" },
      h("h1", {}, t("settings.title")),
      languageSection(),
      identity,
      contactSection(profile, stepUp, refresh),
      notificationSection(),
      passkeySection(stepUp, reloads),
      sessionSection(reloads),
      eventSection(reloads),
      myDataSection(),
      h("section", { class: "panel settings-section", "aria-label": t("settings.sign_out") }, leave),
    ),
  );
}
