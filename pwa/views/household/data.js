// What the household screen loads: the household (or that there is none), invitations, and the head's payments.

import { api } from "../../lib/api.js";
import { t } from "../../lib/i18n.js";

const NOT_IN_HOUSEHOLD = "not-in-household";

/** The message for a failed call: the server's own detail when it has one. */
export function problemText(error) {
  if (error?.status === 0) return t("common.offline_unavailable");
  return error?.problem?.detail || t("common.error");
}

function isNotInHousehold(error) {
  return error?.status === 404 && String(error.problem?.type ?? "").endsWith(`/${NOT_IN_HOUSEHOLD}`);
}

/** Fill ``state`` from the API; a failure leaves a message (or "no household yet") instead of data. */
export async function load(state) {
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
