// Household · the household and its members: consent, cover, cards; the head adds and removes members, a
// member withdraws consent or leaves.

import { api } from "../../lib/api.js";
import { h } from "../../lib/dom.js";
import { formatDate, parseBirthDate, t } from "../../lib/i18n.js";

const RELATIONS = ["spouse", "child", "parent", "sibling", "grandparent", "grandchild", "other"];

export function summarySection(household) {
  return h(
    "section",
    { class: "panel", "aria-labelledby": "hh-summary-title" },
    h("h2", { id: "hh-summary-title" }, t("household.summary_title")),
    h(
      "dl",
      { class: "fields" },
      h("dt", {}, t("household.code")),
      h("dd", {}, household.code),
      h("dt", {}, t("household.address")),
      h("dd", {}, household.address),
      h("dt", {}, t("household.head")),
      h("dd", {}, household.head),
    ),
    household.members.length === 1 && household.you_are_head
      ? h("p", { class: "muted hh-alone" }, t("household.alone"))
      : null,
  );
}

function memberItem(member, household, act) {
  const badges = [];
  badges.push(h("span", { class: `badge ${member.consent === "withdrawn" ? "bad" : member.consent === "pending" ? "warn" : ""}` }, t(`household.consent_${member.consent}`)));
  if (member.needs_household_hi) badges.push(h("span", { class: "badge warn" }, t("household.needs_hi")));
  else if (member.covered_by_other_scheme) badges.push(h("span", { class: "badge ok" }, t("household.covered_other")));
  const details = [];
  if (member.birth_date) details.push(h("dt", {}, t("household.birth_date")), h("dd", {}, formatDate(member.birth_date)));
  if (member.si_code) details.push(h("dt", {}, t("household.si_code")), h("dd", {}, member.si_code));
  if (member.data_visible && member.card_status) {
    details.push(
      h("dt", {}, t("household.card")),
      h(
        "dd",
        { dataset: { field: "card" } },
        `${member.card_group ?? ""} · ${t(`household.card_status_${member.card_status}`)}`,
      ),
      h("dt", {}, t("household.card_valid_to")),
      h("dd", { dataset: { field: "card_valid_to" } }, formatDate(member.card_valid_to)),
    );
  } else if (!member.data_visible && household.you_are_head) {
    details.push(h("dt", {}, t("household.card")), h("dd", {}, t("household.card_hidden")));
  }
  const canRemove = household.you_are_head && !member.is_head;
  return h(
    "li",
    { class: "hh-member", dataset: { memberId: member.id } },
    h(
      "p",
      { class: "hh-member-head" },
      h("strong", {}, member.name),
      " ",
      h("span", { class: "muted" }, t(`household.relation_${member.relation}`)),
    ),
    h("p", { class: "hh-badges" }, badges),
    details.length ? h("dl", { class: "fields" }, details) : null,
    canRemove
      ? h(
          "button",
          {
            type: "button",
            class: "secondary hh-remove",
            "aria-label": t("household.remove_named", { name: member.name }),
            onclick: () => {
              if (!window.confirm(t("household.remove_confirm", { name: member.name }))) return;
              act(
                () => api(`/api/v1/households/mine/members/${member.id}`, { method: "DELETE" }),
                t("household.removed", { name: member.name }),
              );
            },
          },
          t("household.remove"),
        )
      : null,
  );
}

export function membersSection(household, act) {
  return h(
    "section",
    { class: "panel", "aria-labelledby": "hh-members-title" },
    h("h2", { id: "hh-members-title" }, t("household.members_title", { count: household.members.length })),
    h("ul", { class: "list hh-members" }, household.members.map((m) => memberItem(m, household, act))),
  );
}

export function addMemberSection(act) {
  const kind = h(
    "select",
    { id: "hh-id-kind", name: "kind" },
    h("option", { value: "si_code" }, t("household.si_code")),
    h("option", { value: "citizen_id" }, t("household.citizen_id")),
  );
  const identifier = h("input", { id: "hh-identifier", name: "identifier", required: true, inputmode: "numeric", pattern: "\\d{10}|\\d{12}", autocomplete: "off" });
  const birth = h("input", { id: "hh-birth", name: "birth", required: true, inputmode: "numeric", "aria-describedby": "hh-birth-hint", autocomplete: "off" });
  const relation = h(
    "select",
    { id: "hh-relation", name: "relation" },
    RELATIONS.map((r) => h("option", { value: r }, t(`household.relation_${r}`))),
  );
  const message = h("p", { role: "alert", class: "error" });
  const form = h(
    "form",
    {
      class: "hh-add",
      onsubmit: (event) => {
        event.preventDefault();
        const dateOfBirth = parseBirthDate(birth.value);
        if (!dateOfBirth) {
          message.textContent = t("household.birth_invalid");
          birth.focus();
          return;
        }
        const body = { [kind.value]: identifier.value.trim(), date_of_birth: dateOfBirth, relation: relation.value };
        act(() => api("/api/v1/households/mine/members", { method: "POST", body }), t("household.added"));
      },
    },
    h("label", { for: "hh-id-kind" }, t("household.identify_by")),
    kind,
    h("label", { for: "hh-identifier" }, t("household.identifier")),
    identifier,
    h("label", { for: "hh-birth" }, t("household.birth_date")),
    birth,
    h("p", { id: "hh-birth-hint", class: "muted hh-hint" }, t("household.birth_hint")),
    h("label", { for: "hh-relation" }, t("household.relation")),
    relation,
    message,
    h("button", { type: "submit" }, t("household.add")),
  );
  return h(
    "section",
    { class: "panel", "aria-labelledby": "hh-add-title" },
    h("h2", { id: "hh-add-title" }, t("household.add_title")),
    h("p", { class: "muted" }, t("household.add_hint")),
    form,
  );
}

/** A member who is not the head: withdraw consent, or leave the household. */
export function memberActionsSection(household, act) {
  const me = household.members.find((m) => !m.is_head);
  const canWithdraw = me && me.consent === "given";
  return h(
    "section",
    { class: "panel", "aria-labelledby": "hh-mine-title" },
    h("h2", { id: "hh-mine-title" }, t("household.member_actions_title")),
    h("p", { class: "muted" }, t("household.member_actions_hint", { head: household.head })),
    h(
      "div",
      { class: "actions" },
      canWithdraw
        ? h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                if (!window.confirm(t("household.withdraw_confirm"))) return;
                act(() => api("/api/v1/households/mine/consent/withdraw", { method: "POST" }), t("household.withdrawn"));
              },
            },
            t("household.withdraw"),
          )
        : null,
      h(
        "button",
        {
          type: "button",
          class: "danger",
          onclick: () => {
            if (!window.confirm(t("household.leave_confirm"))) return;
            act(() => api("/api/v1/households/mine/leave", { method: "POST" }), t("household.left"));
          },
        },
        t("household.leave"),
      ),
    ),
  );
}
