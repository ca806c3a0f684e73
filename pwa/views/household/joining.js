// Household · the ways in: invitations to accept or decline, or a new household of one's own.

import { api } from "../../lib/api.js";
import { h } from "../../lib/dom.js";
import { formatDateTime, t } from "../../lib/i18n.js";

/** The invitations waiting for this citizen (nothing when there are none). */
export function invitationsSection(invitations, act) {
  if (!invitations.length) return null;
  return h(
    "section",
    { class: "panel", "aria-labelledby": "hh-inv-title" },
    h("h2", { id: "hh-inv-title" }, t("household.invitations_title")),
    h(
      "ul",
      { class: "list" },
      invitations.map((inv) =>
        h(
          "li",
          {},
          h(
            "p",
            {},
            t("household.invitation_text", {
              head: inv.head_name,
              code: inv.household_code,
              relation: t(`household.relation_${inv.relation}`),
            }),
          ),
          h("p", { class: "muted" }, formatDateTime(inv.invited_at)),
          h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                onclick: () =>
                  act(
                    () => api(`/api/v1/households/invitations/${inv.id}/accept`, { method: "POST" }),
                    t("household.invitation_accepted"),
                  ),
              },
              t("household.accept"),
            ),
            h(
              "button",
              {
                type: "button",
                class: "secondary",
                onclick: () =>
                  act(
                    () => api(`/api/v1/households/invitations/${inv.id}/decline`, { method: "POST" }),
                    t("household.invitation_declined"),
                  ),
              },
              t("household.decline"),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Not in a household yet: create one, with this citizen as its head. */
export function createSection(act) {
  const address = h("input", { id: "hh-address", name: "address", required: true, minlength: 5, maxlength: 255, autocomplete: "street-address" });
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        act(
          () => api("/api/v1/households", { method: "POST", body: { address: address.value.trim() } }),
          t("household.created"),
        );
      },
    },
    h("label", { for: "hh-address" }, t("household.address")),
    address,
    h("button", { type: "submit" }, t("household.create")),
  );
  // The label is a sibling (not a wrapper) so the form's grid keeps one column.
  return h(
    "section",
    { class: "panel", "aria-labelledby": "hh-none-title" },
    h("h2", { id: "hh-none-title" }, t("household.none_title")),
    h("p", {}, t("household.none_text")),
    form,
  );
}
