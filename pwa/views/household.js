// Household health insurance (BHYT hộ gia đình): members and consent, invitations, quotes, payments
// (idempotent: one Idempotency-Key per pay attempt, reused on retry) and receipts.

import { api } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { formatDate, formatDateTime, formatMoney, parseBirthDate, t } from "../lib/i18n.js";

const RELATIONS = ["spouse", "child", "parent", "sibling", "grandparent", "grandchild", "other"];
const PERIODS = [3, 6, 12];
const NOT_IN_HOUSEHOLD = "not-in-household";

function problemText(error) {
  if (error?.status === 0) return t("common.offline_unavailable");
  return error?.problem?.detail || t("common.error");
}

function isNotInHousehold(error) {
  return error?.status === 404 && String(error.problem?.type ?? "").endsWith(`/${NOT_IN_HOUSEHOLD}`);
}

function statusLine(text, { alert = false } = {}) {
  return h("p", { class: alert ? "error" : "ok", role: alert ? "alert" : "status" }, text);
}

export async function render(root) {
  useStyles("/pwa/styles/household.css");
  const state = { household: null, missing: false, invitations: [], payments: [], flash: null, error: null };
  let payAttempt = null; // {months, key}: the Idempotency-Key of one pay attempt, kept for its retries
  let months = 12;

  const stillHere = () => location.hash.startsWith("#/household");

  async function load() {
    const [mine, invitations] = await Promise.allSettled([
      api("/api/v1/households/mine"),
      api("/api/v1/households/invitations"),
    ]);
    state.invitations = invitations.status === "fulfilled" ? invitations.value : [];
    state.household = mine.status === "fulfilled" ? mine.value : null;
    state.missing = mine.status === "rejected" && isNotInHousehold(mine.reason);
    state.error = mine.status === "rejected" && !state.missing ? problemText(mine.reason) : null;
    state.payments = [];
    if (state.household?.you_are_head) {
      try {
        state.payments = await api("/api/v1/households/mine/payments");
      } catch {
        state.payments = [];
      }
    }
  }

  async function act(work, successText) {
    try {
      await work();
      state.flash = successText ? { text: successText } : null;
    } catch (error) {
      state.flash = { text: problemText(error), alert: true };
    }
    await load();
    if (stillHere()) draw();
  }

  // ---- sections -------------------------------------------------------------------------------------

  function invitationsSection() {
    if (!state.invitations.length) return null;
    return h(
      "section",
      { class: "panel", "aria-labelledby": "hh-inv-title" },
      h("h2", { id: "hh-inv-title" }, t("household.invitations_title")),
      h(
        "ul",
        { class: "list" },
        state.invitations.map((inv) =>
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

  function createSection() {
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

  function memberItem(member, household) {
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

  function summarySection(household) {
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

  function membersSection(household) {
    return h(
      "section",
      { class: "panel", "aria-labelledby": "hh-members-title" },
      h("h2", { id: "hh-members-title" }, t("household.members_title", { count: household.members.length })),
      h("ul", { class: "list hh-members" }, household.members.map((m) => memberItem(m, household))),
    );
  }

  function addMemberSection() {
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

  function receiptView(payment) {
    return h(
      "div",
      { class: "hh-receipt", dataset: { paymentId: payment.id } },
      h("p", {}, h("strong", {}, t("household.receipt_no")), " ", h("span", { class: "hh-receipt-no" }, payment.receipt_no)),
      h(
        "p",
        {},
        t("household.receipt_line", {
          amount: formatMoney(payment.amount),
          months: payment.months,
          date: payment.settled_at ? formatDateTime(payment.settled_at) : "",
        }),
      ),
      h(
        "ul",
        {},
        payment.lines.map((line) =>
          h("li", {}, t("household.covered_until", { name: line.name, date: formatDate(line.covered_until) })),
        ),
      ),
    );
  }

  async function simulate(payment) {
    await api(`/api/v1/dev/payments/${payment.id}/simulate`, { method: "POST", body: { outcome: "confirmed" } });
    const settled = await api(`/api/v1/households/mine/payments/${payment.id}`);
    if (settled.status !== "confirmed") throw new Error(settled.status);
    return settled;
  }

  function simulateButton(payment) {
    return h(
      "button",
      {
        type: "button",
        class: "hh-simulate",
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          try {
            const settled = await simulate(payment);
            state.flash = { text: t("household.paid"), receipt: settled };
          } catch (error) {
            state.flash = { text: problemText(error), alert: true };
          }
          await load();
          if (stillHere()) draw();
        },
      },
      t("household.pay_simulated"),
    );
  }

  function quoteSection() {
    const select = h(
      "select",
      { id: "hh-months", name: "months" },
      PERIODS.map((m) => h("option", { value: m, selected: m === months }, t("household.months_option", { months: m }))),
    );
    const body = h("div", { class: "hh-quote-body", "aria-live": "polite" }, h("p", { class: "loading" }, t("app.loading")));
    const payStatus = h("div", { class: "hh-pay-status" });

    const showQuote = async () => {
      mount(body, h("p", { class: "loading" }, t("app.loading")));
      let quote;
      try {
        quote = await api(`/api/v1/households/mine/quote?months=${months}`);
      } catch (error) {
        mount(body, h("p", { class: "error", role: "alert" }, problemText(error)));
        return;
      }
      if (!quote.lines.length) {
        mount(body, h("p", { class: "muted" }, t("household.quote_empty")));
        return;
      }
      const payButton = h("button", { type: "button", class: "hh-pay" }, t("household.pay", { amount: formatMoney(quote.total) }));
      payButton.addEventListener("click", async () => {
        if (!payAttempt || payAttempt.months !== months) payAttempt = { months, key: crypto.randomUUID() };
        payButton.disabled = true;
        mount(payStatus, h("p", { role: "status" }, t("household.paying")));
        try {
          const payment = await api("/api/v1/households/mine/payments", {
            method: "POST",
            body: { months },
            headers: { "Idempotency-Key": payAttempt.key },
          });
          payAttempt = null;
          mount(
            payStatus,
            h("p", { role: "status" }, t("household.payment_created", { amount: formatMoney(payment.amount) })),
            payment.provider === "simulated" ? simulateButton(payment) : null,
            payment.checkout_url ? h("a", { class: "button", href: payment.checkout_url }, t("household.checkout")) : null,
          );
        } catch (error) {
          // A lost answer is retried with the same key (the server returns the same payment); a refusal is final.
          if (error?.status && error.status < 500) payAttempt = null;
          payButton.disabled = false;
          payButton.textContent = t("household.pay_retry");
          mount(payStatus, h("p", { class: "error", role: "alert" }, problemText(error)));
        }
      });
      mount(
        body,
        h(
          "table",
          { class: "hh-quote" },
          h("caption", {}, t("household.quote_caption", { months, base: formatMoney(quote.base_salary), rate: quote.rate_percent })),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, t("household.member")),
              h("th", { scope: "col", class: "num" }, t("household.amount")),
            ),
          ),
          h(
            "tbody",
            {},
            quote.lines.map((line) =>
              h(
                "tr",
                { dataset: { memberId: line.member_id } },
                h(
                  "th",
                  { scope: "row" },
                  line.name,
                  h("br"),
                  h("span", { class: "muted hh-small" }, t("household.quote_cover", { from: formatDate(line.covered_from), until: formatDate(line.covered_until) })),
                ),
                h("td", { class: "num hh-line-amount" }, `${formatMoney(line.monthly_amount)} × ${quote.months} = ${formatMoney(line.amount)}`),
              ),
            ),
          ),
          h(
            "tfoot",
            {},
            h("tr", {}, h("th", { scope: "row" }, t("household.total")), h("td", { class: "num hh-total" }, formatMoney(quote.total))),
          ),
        ),
        h("p", { class: "muted hh-small" }, t("household.quote_priced", { date: formatDate(quote.priced_on) })),
        h("div", { class: "actions" }, payButton),
      );
    };
    select.addEventListener("change", () => {
      months = Number(select.value);
      mount(payStatus);
      showQuote();
    });
    showQuote();
    return h(
      "section",
      { class: "panel", "aria-labelledby": "hh-quote-title" },
      h("h2", { id: "hh-quote-title" }, t("household.quote_title")),
      h("label", { for: "hh-months" }, t("household.period")),
      select,
      body,
      payStatus,
    );
  }

  function paymentsSection() {
    return h(
      "section",
      { class: "panel", "aria-labelledby": "hh-payments-title" },
      h("h2", { id: "hh-payments-title" }, t("household.payments_title")),
      state.payments.length
        ? h(
            "ul",
            { class: "list hh-payments" },
            state.payments.map((p) =>
              h(
                "li",
                { dataset: { paymentId: p.id } },
                h(
                  "p",
                  {},
                  h("strong", {}, formatMoney(p.amount)),
                  " · ",
                  t("household.months_option", { months: p.months }),
                  " ",
                  h("span", { class: `badge ${p.status === "confirmed" ? "ok" : p.status === "pending" ? "warn" : "bad"}` }, t(`household.payment_${p.status}`)),
                ),
                h("p", { class: "muted" }, formatDateTime(p.created_at)),
                p.receipt_no ? h("p", {}, t("household.receipt_no"), " ", h("strong", {}, p.receipt_no)) : null,
                p.status === "pending" && p.provider === "simulated" ? simulateButton(p) : null,
              ),
            ),
          )
        : h("p", { class: "muted" }, t("household.payments_none")),
    );
  }

  function memberActionsSection(household) {
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

  function flashView() {
    if (!state.flash) return null;
    return h(
      "div",
      { class: `panel hh-flash ${state.flash.alert ? "hh-flash-bad" : "hh-flash-ok"}`, role: state.flash.alert ? "alert" : "status" },
      h("p", {}, state.flash.text),
      state.flash.receipt ? receiptView(state.flash.receipt) : null,
    );
  }

  function draw() {
    const household = state.household;
    const parts = [h("h1", {}, t("household.title")), flashView(), invitationsSection()];
    if (state.error) parts.push(statusLine(state.error, { alert: true }), h("button", { type: "button", onclick: () => act(async () => {}) }, t("common.retry")));
    else if (state.missing) parts.push(createSection());
    else if (household) {
      parts.push(summarySection(household), membersSection(household));
      if (household.you_are_head) parts.push(quoteSection(), paymentsSection(), addMemberSection());
      else parts.push(memberActionsSection(household));
    }
    mount(root, h("div", { class: "household-view" }, parts));
  }

  mount(root, h("h1", {}, t("household.title")), h("p", { class: "loading", role: "status" }, t("app.loading")));
  await load();
  if (stillHere()) draw();
}
