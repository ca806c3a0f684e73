// What the applications screens share: the API path, the four kinds, the status chip, and the note of an
// application just filed.

import { h } from "../../lib/dom.js";
import { t } from "../../lib/i18n.js";

export const BASE = "/api/v1/me/applications";
export const KINDS = ["card_reissue", "facility_change", "info_correction", "voluntary_registration"];

// Said once on the detail screen right after filing (kept across the route change, then dropped).
let justFiled = null;

/** Keep the application just filed, for its detail screen to say so once. */
export function rememberFiled(view) {
  justFiled = { id: view.id, reference: view.reference };
}

/** The application just filed if it is ``id`` (else null); either way it is said only once. */
export function takeFiled(id) {
  const filed = justFiled && String(justFiled.id) === id ? justFiled : null;
  justFiled = null;
  return filed;
}

/** The chip colour of a status: waiting, good, bad or neutral. */
export function statusTone(status) {
  if (status === "approved" || status === "done") return "ok";
  if (status === "rejected") return "bad";
  if (status === "submitted" || status === "in_review") return "warn";
  return "";
}

/** A status in words; a visit dispute is decided upheld (done) or not upheld (rejected). */
export function statusLabel(status, kind) {
  if (kind === "visit_dispute" && (status === "done" || status === "rejected")) return t(`applications.dispute_decision.${status}`);
  return t(`applications.status.${status}`);
}

/** A status as a coloured chip. */
export function chip(status, kind) {
  return h("span", { class: `badge app-chip ${statusTone(status)}`, dataset: { status } }, statusLabel(status, kind));
}

/** Whether the user is still on this screen (an answer arriving after they left must not draw). */
export function stillOn(prefix) {
  return location.hash.startsWith(prefix);
}
