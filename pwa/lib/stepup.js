// Step-up for sensitive changes (docs/chipid.md): when the server answers 403 ``step-up-required``, show what
// the body's ``step_up`` list offers — a fresh passkey sign-in (then the change is tried again) and/or how to
// verify the chip ID card — instead of a bare error. The server decides; this only helps the user meet its rule.

import { adoptTokens, api } from "./api.js";
import { h, mount } from "./dom.js";
import { formatDateTime, t } from "./i18n.js";
import { isCancelled, passkeysSupported, signInWithPasskey } from "./passkeys.js";

/** The user closed the step-up panel: the change was not made, and there is nothing to report. */
export class StepUpCancelled extends Error {
  constructor() {
    super("step-up cancelled");
    this.name = "StepUpCancelled";
  }
}

export function isStepUpCancelled(error) {
  return error instanceof StepUpCancelled;
}

/** A 403 whose problem type is ``…/step-up-required``. */
export function isStepUpRequired(error) {
  return error?.status === 403 && String(error?.problem?.type ?? "").endsWith("/step-up-required");
}

function message(failure) {
  if (failure?.status === 0) return t("signin.errors.offline");
  return failure?.problem?.detail || t("common.error");
}

// One pending step-up per host: starting another withdraws the first (its promise rejects as cancelled).
const pending = new WeakMap();

/**
 * Run ``action`` (a function returning the API call's promise). On a step-up refusal, mount a panel in ``host``
 * offering what the server listed; after a fresh passkey sign-in of the same account the action runs again.
 * Resolves to the action's result; rejects with the action's other failures, or ``StepUpCancelled``.
 *
 * ``chipHelp``: the element (e.g. Settings' identity section) that explains chip verification.
 * ``onSignedIn``: called once this device holds the new passkey session (lists that show sessions reload).
 */
export function runWithStepUp(action, { host, chipHelp = null, onSignedIn = () => {} }) {
  pending.get(host)?.();
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      if (pending.get(host) === cancel) pending.delete(host);
      mount(host);
      fn(value);
    };
    const cancel = () => settle(reject, new StepUpCancelled());
    pending.set(host, cancel);

    async function attempt() {
      try {
        settle(resolve, await action());
      } catch (failure) {
        if (isStepUpRequired(failure) && !settled) await showPanel(failure.problem);
        else settle(reject, failure);
      }
    }

    async function showPanel(problem) {
      const offered = Array.isArray(problem.step_up) ? problem.step_up : [];
      // Who is signed in, and on which session: a passkey of another account must not stand in for this one.
      let me = null;
      try {
        me = await api("/api/v1/me");
      } catch {
        // Without the profile no passkey can be checked against it: the chip route is still explained.
      }
      if (settled) return;
      const titleId = `stepup-title-${Math.random().toString(36).slice(2, 8)}`;
      const status = h("p", { class: "ok form-status", role: "status" });
      const error = h("p", { class: "error form-error", role: "alert" });
      const say = (text, failed = false) => {
        status.textContent = failed ? "" : text;
        error.textContent = failed ? text : "";
      };
      const parts = [];
      let firstAction = null;

      if (offered.includes("passkey")) {
        if (!passkeysSupported()) parts.push(h("p", { class: "muted" }, t("stepup.passkey_unsupported")));
        else if (me && !me.has_passkey) parts.push(h("p", { dataset: { stepUp: "passkey-none" } }, t("stepup.passkey_none")));
        else if (me) {
          const button = h(
            "button",
            { type: "button", dataset: { action: "stepup-passkey" } },
            t("stepup.passkey_button"),
          );
          button.addEventListener("click", () => signInAgain(button, me, say));
          parts.push(h("p", {}, t("stepup.passkey_intro")), button);
          firstAction = button;
        }
      }
      if (problem.passkey_usable_from) {
        // A passkey enrolled in the last day cannot stand in yet (it could be a thief's): say from when it can.
        const time = formatDateTime(problem.passkey_usable_from);
        parts.push(h("p", { dataset: { stepUp: "passkey-cooling-off" } }, t("stepup.passkey_cooling_off", { time })));
      }
      if (offered.includes("chip_id")) {
        parts.push(h("p", { dataset: { stepUp: "chip" } }, t("stepup.chip")));
        if (chipHelp) {
          const show = h("button", { type: "button", class: "secondary", dataset: { action: "stepup-chip" } }, t("stepup.chip_link"));
          show.addEventListener("click", () => {
            chipHelp.scrollIntoView({ block: "start" });
            (chipHelp.querySelector("h2") ?? chipHelp).focus();
          });
          parts.push(show);
          firstAction ??= show;
        }
      }
      const close = h(
        "button",
        { type: "button", class: "secondary", dataset: { action: "stepup-cancel" }, onclick: cancel },
        t("common.cancel"),
      );
      mount(
        host,
        h(
          "div",
          { class: "stepup", role: "group", "aria-labelledby": titleId },
          h("h3", { id: titleId }, t("stepup.title")),
          h("p", { role: "alert", class: "stepup-reason" }, problem.detail || t("stepup.fallback")),
          parts,
          status,
          error,
          h("div", { class: "actions" }, close),
        ),
      );
      (firstAction ?? close).focus();
    }

    async function signInAgain(button, me, say) {
      button.disabled = true;
      say("");
      try {
        const sessions = await api("/api/v1/me/sessions");
        const previous = sessions.find((s) => s.current)?.id ?? null;
        const pair = await signInWithPasskey();
        const bearer = { Authorization: `Bearer ${pair.access_token}` };
        const who = await api("/api/v1/me", { auth: false, headers: bearer });
        if (who.username !== me.username) {
          // Usernameless: the authenticator may offer a family member's passkey. End that session at once.
          await api("/api/v1/auth/logout", { method: "POST", auth: false, headers: bearer }).catch(() => {});
          say(t("stepup.other_account"), true);
          button.disabled = false;
          button.focus();
          return;
        }
        adoptTokens(pair);
        // The password session this device held is replaced, not left behind.
        if (previous) {
          await api(`/api/v1/me/sessions/${encodeURIComponent(previous)}`, { method: "DELETE" }).catch(() => {});
        }
        onSignedIn();
        say(t("stepup.signed_in"));
      } catch (failure) {
        button.disabled = false;
        say(isCancelled(failure) ? t("stepup.passkey_cancelled") : message(failure), true);
        return;
      }
      await attempt();
    }

    attempt();
  });
}
