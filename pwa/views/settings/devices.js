// Settings · signed-in devices: each session with its device and times; sign out one, or all the others.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { problemMessage } from "../../lib/feedback.js";
import { formatDateTime, t } from "../../lib/i18n.js";
import { label, section } from "./section.js";

/** "Chrome · Android" from a user agent; enough to recognise one's own devices. */
export function deviceName(userAgent) {
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

export function sessionSection(reloads) {
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
