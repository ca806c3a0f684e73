// Household · paying: the quote for 3, 6 or 12 months, the payment (one Idempotency-Key per pay attempt, reused
// on retry), the simulated provider's confirm button, the payments made and their receipts.

import { api } from "../../lib/api.js";
import { h, mount } from "../../lib/dom.js";
import { formatDate, formatDateTime, formatMoney, t } from "../../lib/i18n.js";
import { problemText } from "./data.js";

const PERIODS = [3, 6, 12];

/** A confirmed payment's receipt: its number, amount, and each member's cover. */
export function receiptView(payment) {
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

/** Confirm a simulated payment (demo and tests); ``settle`` reports the receipt or the failure and redraws. */
function simulateButton(payment, settle) {
  return h(
    "button",
    {
      type: "button",
      class: "hh-simulate",
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        let flash;
        try {
          flash = { text: t("household.paid"), receipt: await simulate(payment) };
        } catch (error) {
          flash = { text: problemText(error), alert: true };
        }
        await settle(flash);
      },
    },
    t("household.pay_simulated"),
  );
}

/** The quote and the pay button; ``choice`` keeps the months chosen and the pay attempt while the screen is open. */
export function quoteSection(choice, settle) {
  const select = h(
    "select",
    { id: "hh-months", name: "months" },
    PERIODS.map((m) => h("option", { value: m, selected: m === choice.months }, t("household.months_option", { months: m }))),
  );
  const body = h("div", { class: "hh-quote-body", "aria-live": "polite" }, h("p", { class: "loading" }, t("app.loading")));
  const payStatus = h("div", { class: "hh-pay-status" });

  const showQuote = async () => {
    mount(body, h("p", { class: "loading" }, t("app.loading")));
    let quote;
    try {
      quote = await api(`/api/v1/households/mine/quote?months=${choice.months}`);
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
      if (!choice.payAttempt || choice.payAttempt.months !== choice.months) {
        choice.payAttempt = { months: choice.months, key: crypto.randomUUID() };
      }
      payButton.disabled = true;
      mount(payStatus, h("p", { role: "status" }, t("household.paying")));
      try {
        const payment = await api("/api/v1/households/mine/payments", {
          method: "POST",
          body: { months: choice.months },
          headers: { "Idempotency-Key": choice.payAttempt.key },
        });
        choice.payAttempt = null;
        mount(
          payStatus,
          h("p", { role: "status" }, t("household.payment_created", { amount: formatMoney(payment.amount) })),
          payment.provider === "simulated" ? simulateButton(payment, settle) : null,
          payment.checkout_url ? h("a", { class: "button", href: payment.checkout_url }, t("household.checkout")) : null,
        );
      } catch (error) {
        // A lost answer is retried with the same key (the server returns the same payment); a refusal is final.
        if (error?.status && error.status < 500) choice.payAttempt = null;
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
        h("caption", {}, t("household.quote_caption", { months: choice.months, base: formatMoney(quote.base_salary), rate: quote.rate_percent })),
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
    choice.months = Number(select.value);
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

export function paymentsSection(payments, settle) {
  return h(
    "section",
    { class: "panel", "aria-labelledby": "hh-payments-title" },
    h("h2", { id: "hh-payments-title" }, t("household.payments_title")),
    payments.length
      ? h(
          "ul",
          { class: "list hh-payments" },
          payments.map((p) =>
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
              p.status === "pending" && p.provider === "simulated" ? simulateButton(p, settle) : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, t("household.payments_none")),
  );
}
