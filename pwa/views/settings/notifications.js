// Settings · notifications: Web Push on this device, and the opt-in card-check notice.

import { api } from "../../lib/api.js";
import { h } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { currentLanguage, t } from "../../lib/i18n.js";
import { section } from "./section.js";

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

export function notificationSection() {
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
