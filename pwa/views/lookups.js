// Look-ups without signing in: medical facilities, and whether an HI card is valid (nothing else is told).

import { api, isSignedIn } from "../lib/api.js";
import { h, mount } from "../lib/dom.js";
import { problemMessage } from "../lib/feedback.js";
import { formatDate, parseBirthDate, t } from "../lib/i18n.js";

function facilityForm() {
  const query = h("input", { id: "lookup-query", name: "q", required: true, minlength: 2, maxlength: 100 });
  const province = h("input", {
    id: "lookup-province", name: "province", inputmode: "numeric", pattern: "\\d{2}", maxlength: 2,
  });
  const results = h("div", { id: "lookup-facilities", "aria-live": "polite" });
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const params = new URLSearchParams({ q: query.value.trim(), limit: "20" });
        if (province.value.trim()) params.set("province", province.value.trim());
        try {
          const page = await api(`/api/v1/facilities?${params}`, { auth: false });
          mount(
            results,
            h("p", { class: "muted" }, t("lookups.results", { count: page.total })),
            page.items.length
              ? h(
                  "ul",
                  { class: "list" },
                  page.items.map((f) =>
                    h(
                      "li",
                      {},
                      h("strong", {}, `${f.code} — ${f.name}`),
                      h("br"),
                      h("span", { class: "muted" }, [t(`lookups.level_${f.level}`), f.address].filter(Boolean).join(" · ")),
                    ),
                  ),
                )
              : h("p", {}, t("lookups.no_results")),
          );
        } catch (error) {
          mount(results, h("p", { role: "alert", class: "error" }, problemMessage(error)));
        }
      },
    },
    h("label", { for: "lookup-query" }, t("lookups.query")),
    query,
    h("label", { for: "lookup-province" }, t("lookups.province")),
    province,
    h("button", { type: "submit", id: "lookup-search" }, t("lookups.search")),
  );
  return h(
    "section",
    { class: "panel", "aria-labelledby": "lookup-facilities-title" },
    h("h2", { id: "lookup-facilities-title" }, t("lookups.facilities_title")),
    form,
    results,
  );
}

function cardForm() {
  const number = h("input", {
    id: "lookup-card-number", name: "card_number", required: true, inputmode: "numeric", pattern: "\\d{10}", maxlength: 10,
  });
  const name = h("input", { id: "lookup-card-name", name: "full_name", required: true, maxlength: 120 });
  const birth = h("input", { id: "lookup-card-birth", name: "date_of_birth", required: true, inputmode: "numeric" });
  const answer = h("p", { id: "lookup-card-answer", role: "status" });
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const dateOfBirth = parseBirthDate(birth.value);
        if (!dateOfBirth) {
          answer.textContent = t("lookups.birth_invalid");
          birth.focus();
          return;
        }
        try {
          const result = await api("/api/v1/lookups/card", {
            method: "POST",
            auth: false,
            body: { card_number: number.value.trim(), full_name: name.value.trim(), date_of_birth: dateOfBirth },
          });
          answer.dataset.found = String(result.found);
          answer.className = result.found && result.valid ? "ok" : "error";
          if (!result.found) answer.textContent = t("lookups.not_found");
          else answer.textContent = t(result.valid ? "lookups.valid" : "lookups.invalid", { date: formatDate(result.valid_to) });
        } catch (error) {
          answer.className = "error";
          answer.textContent = problemMessage(error);
        }
      },
    },
    h("p", { class: "muted" }, t("lookups.card_hint")),
    h("label", { for: "lookup-card-number" }, t("lookups.card_number")),
    number,
    h("label", { for: "lookup-card-name" }, t("lookups.full_name")),
    name,
    h("label", { for: "lookup-card-birth" }, t("lookups.birth")),
    birth,
    h("button", { type: "submit", id: "lookup-card-check" }, t("lookups.check")),
  );
  return h(
    "section",
    { class: "panel", "aria-labelledby": "lookup-card-title" },
    h("h2", { id: "lookup-card-title" }, t("lookups.card_title")),
    form,
    answer,
  );
}

export async function render(root) {
  mount(
    root,
    h("h1", {}, t("lookups.title")),
    facilityForm(),
    cardForm(),
    h(
      "section",
      { class: "panel", "aria-labelledby": "lookup-verify-title" },
      h("h2", { id: "lookup-verify-title" }, t("verify.title")),
      h("p", {}, t("verify.link_hint")),
      h("a", { href: "#/verify", id: "lookup-verify-link" }, t("verify.link")),
    ),
    isSignedIn() ? null : h("p", {}, h("a", { href: "#/signin" }, t("lookups.back"))),
  );
}
