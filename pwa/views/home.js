// Home: who is signed in, the card's standing, what needs doing next, and shortcuts to every screen.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { currentLanguage, formatDate, formatMonth, t } from "../lib/i18n.js";

const SOON_DAYS = 60;

/** Today's date in Vietnam (legal dates are Vietnam dates), as YYYY-MM-DD. */
export function todayVn() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
}

/** Whole days from today (Vietnam) to an ISO date; negative once it has passed. */
export function daysUntil(isoDate) {
  const day = (text) => Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10)));
  return Math.round((day(String(isoDate)) - day(todayVn())) / 86_400_000);
}

/** Household members who need household HI and whose card ends within 60 days or has ended. */
export function membersDue(household) {
  if (!household?.you_are_head) return [];
  return household.members.filter(
    (m) => m.needs_household_hi && (!m.card_valid_to || daysUntil(m.card_valid_to) <= SOON_DAYS),
  );
}

async function quietly(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

function todo(kind, text, href, linkText) {
  return h(
    "li",
    { class: "home-todo", dataset: { todo: kind } },
    h("p", {}, text),
    href ? h("a", { href }, linkText) : null,
  );
}

function cardSummary(card) {
  if (!card) return h("p", { class: "muted" }, t("home.card_none"));
  let badge;
  if (card.status === "revoked") badge = h("span", { class: "badge bad" }, t("card.status_revoked"));
  else if (card.status === "suspended") badge = h("span", { class: "badge bad" }, t("card.status_suspended"));
  else if (!card.in_force) badge = h("span", { class: "badge bad" }, t("card.status_expired"));
  else badge = h("span", { class: "badge ok" }, t("card.status_active"));
  return h(
    "div",
    { class: "home-card", dataset: { cardStatus: card.status } },
    h("p", {}, t("home.card_number", { number: card.number }), " ", badge),
    h("p", { class: "muted" }, t("home.card_valid_to", { date: formatDate(card.valid_to) })),
  );
}

export async function render(root) {
  useStyles("/pwa/styles/home.css");
  useStyles("/pwa/styles/services.css");
  mount(root, h("h1", {}, t("home.title")), h("p", { class: "loading", role: "status" }, t("app.loading")));
  const [me, card, contributions, household, inbox] = await Promise.all([
    quietly(api("/api/v1/me/")),
    quietly(api("/api/v1/me/card")),
    quietly(api("/api/v1/me/contributions")),
    quietly(api("/api/v1/households/mine")),
    quietly(api(`/api/v1/me/notifications?unread_only=true&limit=1&offset=0&lang=${currentLanguage()}`)),
  ]);
  if (location.hash && !location.hash.startsWith("#/home") && location.hash !== "#/" && location.hash !== "#") return;

  const name = me.value?.full_name || card.value?.name || "";
  const todos = [];
  const arrears = contributions.value?.summary?.arrears_months ?? 0;
  if (arrears > 0) {
    const owing = contributions.value.summary.employers_owing ?? [];
    const months = owing.flatMap((e) => e.months).map(formatMonth).join(", ");
    todos.push(
      todo("arrears", t("home.todo_arrears", { count: arrears, months }), "#/contributions", t("home.todo_arrears_link")),
    );
  }
  const cardValue = card.value;
  if (cardValue && cardValue.status === "active") {
    const days = daysUntil(cardValue.valid_to);
    if (days < 0) {
      todos.push(todo("card", t("home.todo_card_ended", { date: formatDate(cardValue.valid_to) }), "#/card", t("home.todo_card_link")));
    } else if (days <= SOON_DAYS) {
      todos.push(
        todo("card", t("home.todo_card_expiring", { date: formatDate(cardValue.valid_to), days }), "#/card", t("home.todo_card_link")),
      );
    }
  }
  const due = membersDue(household.value);
  if (due.length) {
    todos.push(
      todo(
        "household",
        t("home.todo_household", { names: due.map((m) => m.name).join(", "), count: due.length }),
        "#/household",
        t("home.todo_household_link"),
      ),
    );
  }

  const failed = [me, card, contributions].every((r) => r.error);
  const shortcuts = [
    ["card", "#/card"],
    ["contributions", "#/contributions"],
    ["benefits", "#/benefits"],
    ["visits", "#/visits"],
    ["household", "#/household"],
    ["applications", "#/applications"],
    ["inbox", "#/inbox"],
  ];
  const unread = inbox.value?.unread ?? 0;
  mount(
    root,
    h(
      "div",
      { class: "home-view" },
      h("h1", {}, t("home.title")),
      name ? h("p", { class: "home-greeting" }, t("home.greeting", { name })) : null,
      failed ? h("p", { class: "notice", role: "status" }, t("common.offline_unavailable")) : null,
      h(
        "section",
        { class: "panel", "aria-labelledby": "home-card-title" },
        h("h2", { id: "home-card-title" }, t("home.card_title")),
        card.error && card.error.status !== 404 ? h("p", { class: "muted" }, t("common.offline_unavailable")) : cardSummary(cardValue),
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "home-todo-title" },
        h("h2", { id: "home-todo-title" }, t("home.todo_title")),
        todos.length ? h("ul", { class: "list home-todos" }, todos) : h("p", { class: "muted" }, t("home.todo_none")),
      ),
      h(
        "nav",
        { class: "home-shortcuts", "aria-labelledby": "home-shortcuts-title" },
        h("h2", { id: "home-shortcuts-title" }, t("home.shortcuts_title")),
        h(
          "ul",
          {},
          shortcuts.map(([key, href]) =>
            h(
              "li",
              {},
              key === "inbox" && unread > 0
                ? h(
                    "a",
                    { class: "home-shortcut", href, "aria-label": t("home.shortcut_inbox_unread", { count: unread }) },
                    h("span", {}, t("home.shortcut_inbox")),
                    h("span", { class: "badge bad home-unread", id: "home-unread", "aria-hidden": "true" }, String(unread)),
                  )
                : h("a", { class: "home-shortcut", href }, h("span", {}, t(`home.shortcut_${key}`))),
            ),
          ),
        ),
      ),
    ),
  );
}
