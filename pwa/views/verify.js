// The public passbook verifier (#/verify/<token>, no sign-in): is this printed passbook genuine, and do its
// totals match what AnSinh signed? Anyone holding the paper (an employer, a bank) can check it.

import { api, isSignedIn } from "../lib/api.js";
import { h, mount, useStyles } from "../lib/dom.js";
import { problemMessage } from "../lib/feedback.js";
import { formatDate, formatMonth, t } from "../lib/i18n.js";
import { navigate } from "../lib/router.js";

const FUNDS = ["RS", "SM", "OA", "UI", "HI"];

/** A pasted code, or the whole verify URL from the QR, or a route part that the browser percent-encoded. */
export function tokenFrom(text) {
  let value = String(text ?? "").trim();
  try {
    value = decodeURIComponent(value);
  } catch {
    // Not percent-encoded: keep it as typed.
  }
  const marker = "#/verify/";
  const at = value.indexOf(marker);
  return at >= 0 ? value.slice(at + marker.length) : value;
}

function pasteForm(initial = "") {
  const input = h("textarea", { id: "verify-token", name: "token", rows: 4, required: true, spellcheck: "false", autocomplete: "off" }, initial);
  const error = h("p", { class: "error form-error", role: "alert" });
  return h(
    "form",
    {
      class: "panel",
      onsubmit: (event) => {
        event.preventDefault();
        const token = tokenFrom(input.value);
        if (!token) {
          error.textContent = t("verify.empty");
          input.focus();
          return;
        }
        navigate("verify", encodeURIComponent(token));
      },
    },
    h("label", { for: "verify-token" }, t("verify.paste")),
    h("p", { class: "hint muted" }, t("verify.paste_hint")),
    input,
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", id: "verify-submit" }, t("verify.check"))),
  );
}

function validView(result) {
  const paid = result.totals?.paid_months ?? {};
  return h(
    "section",
    { class: "panel verify-result verify-valid", id: "verify-result", dataset: { valid: "true" }, "aria-labelledby": "verify-result-title" },
    h("h2", { id: "verify-result-title", class: "ok" }, "✓ ", t("verify.valid")),
    result.matches_current_records === false
      ? h("p", { class: "notice", id: "verify-outdated", role: "note" }, t("verify.outdated"))
      : null,
    h("p", { class: "verify-compare" }, t("verify.compare")),
    h(
      "dl",
      { class: "fields" },
      h("dt", {}, t("verify.si_code")),
      h("dd", { dataset: { field: "si_code" } }, result.si_code),
      h("dt", {}, t("verify.holder")),
      h("dd", { dataset: { field: "holder_name" } }, result.holder_name),
      h("dt", {}, t("verify.period")),
      h("dd", { dataset: { field: "period" } }, t("verify.period_value", { from: formatMonth(result.period?.from), to: formatMonth(result.period?.to) })),
      h("dt", {}, t("verify.issued_on")),
      h("dd", { dataset: { field: "issued_on" } }, formatDate(result.issued_on)),
    ),
    h(
      "table",
      { class: "verify-totals" },
      h("caption", {}, t("verify.totals")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("verify.fund")), h("th", { scope: "col", class: "num" }, t("verify.months")))),
      h(
        "tbody",
        {},
        FUNDS.map((fund) =>
          h(
            "tr",
            { dataset: { fund } },
            h("th", { scope: "row" }, t(`contributions.fund_name.${fund}`)),
            h("td", { class: "num" }, String(paid[fund] ?? 0)),
          ),
        ),
        h(
          "tr",
          { dataset: { fund: "arrears" } },
          h("th", { scope: "row" }, t("verify.arrears")),
          h("td", { class: "num" }, String(result.totals?.arrears_months ?? 0)),
        ),
      ),
    ),
    h("p", { class: "muted app-small verify-hash" }, t("verify.hash", { hash: result.statement_sha256 ?? "", kid: result.kid ?? "" })),
  );
}

function invalidView(result) {
  const reason = result.reason ?? "bad-signature";
  const key = `verify.reason.${reason.replace(/-/g, "_")}`;
  const text = t(key);
  return h(
    "section",
    { class: "panel verify-result verify-invalid", id: "verify-result", dataset: { valid: "false", reason }, "aria-labelledby": "verify-result-title" },
    h("h2", { id: "verify-result-title", class: "error" }, "✗ ", t("verify.invalid")),
    h("p", {}, text === key ? t("verify.reason.bad_signature") : text),
    h("p", { class: "muted" }, t("verify.invalid_hint")),
  );
}

export async function render(root, param = "") {
  useStyles("/pwa/styles/services.css");
  const token = tokenFrom(param);
  const back = isSignedIn() ? null : h("p", {}, h("a", { href: "#/lookups" }, t("verify.back")));
  const header = [h("h1", {}, t("verify.title")), h("p", { class: "muted" }, t("verify.intro"))];
  if (!token) {
    mount(root, h("div", { class: "services-view verify-view" }, header, pasteForm(), back));
    return;
  }
  mount(root, h("div", { class: "services-view verify-view" }, header, h("p", { class: "loading", role: "status" }, t("verify.checking"))));
  let result = null;
  let failure = null;
  try {
    result = await api("/api/v1/passbooks/verify", { method: "POST", auth: false, body: { token } });
  } catch (error) {
    failure = error;
  }
  if (!location.hash.startsWith("#/verify")) return;
  const outcome = failure
    ? h("section", { class: "panel verify-result verify-invalid", id: "verify-result", dataset: { valid: "false" } }, h("p", { class: "error", role: "alert" }, problemMessage(failure)))
    : result.valid
      ? validView(result)
      : invalidView(result);
  mount(
    root,
    h(
      "div",
      { class: "services-view verify-view" },
      header,
      outcome,
      h("p", {}, h("a", { href: "#/verify", id: "verify-another" }, t("verify.another"))),
      back,
    ),
  );
}
