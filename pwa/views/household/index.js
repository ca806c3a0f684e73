// Household health insurance (BHYT hộ gia đình): members and consent, invitations, quotes, payments
// (idempotent: one Idempotency-Key per pay attempt, reused on retry) and receipts.
// Each section is its own module here; this one holds the screen's state, draws the sections, and reloads after
// every change.

import { h, mount, useStyles } from "../../lib/dom.js";
import { t } from "../../lib/i18n.js";
import { load, problemText } from "./data.js";
import { createSection, invitationsSection } from "./joining.js";
import { addMemberSection, memberActionsSection, membersSection, summarySection } from "./members.js";
import { paymentsSection, quoteSection, receiptView } from "./payments.js";

function statusLine(text, { alert = false } = {}) {
  return h("p", { class: alert ? "error" : "ok", role: alert ? "alert" : "status" }, text);
}

export async function render(root) {
  useStyles("/pwa/styles/household.css");
  const state = { household: null, missing: false, invitations: [], payments: [], flash: null, error: null };
  // The quote's choice and the Idempotency-Key of one pay attempt (kept for its retries) while the screen is open.
  const choice = { months: 12, payAttempt: null };

  const stillHere = () => location.hash.startsWith("#/household");

  /** Show ``flash``, then reload and redraw (unless the user has moved on). */
  async function settle(flash) {
    state.flash = flash;
    await load(state);
    if (stillHere()) draw();
  }

  /** Run a change and say how it went. */
  async function act(work, successText) {
    let flash;
    try {
      await work();
      flash = successText ? { text: successText } : null;
    } catch (error) {
      flash = { text: problemText(error), alert: true };
    }
    await settle(flash);
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
    const parts = [h("h1", {}, t("household.title")), flashView(), invitationsSection(state.invitations, act)];
    if (state.error) parts.push(statusLine(state.error, { alert: true }), h("button", { type: "button", onclick: () => act(async () => {}) }, t("common.retry")));
    else if (state.missing) parts.push(createSection(act));
    else if (household) {
      parts.push(summarySection(household), membersSection(household, act));
      if (household.you_are_head) parts.push(quoteSection(choice, settle), paymentsSection(state.payments, settle), addMemberSection(act));
      else parts.push(memberActionsSection(household, act));
    }
    mount(root, h("div", { class: "household-view" }, parts));
  }

  mount(root, h("h1", {}, t("household.title")), h("p", { class: "loading", role: "status" }, t("app.loading")));
  await load(state);
  if (stillHere()) draw();
}
