// The declare tab: lines typed on the page or a D02-LT file for a month; a refused submission shows every
// problem in a table and, for typed lines, on the row's own field.

import { $, api, base, cell, fillTable, month, receiptLink, showError, thisMonth, tr } from "./common.js";

const KINDS = ["hire", "leave", "salary"];
const REASONS = ["stopped", "moved_out_of_province", "moved_within_province", "retired", "deceased"];

export function prepareDeclare() {
  for (const id of ["declare-month", "upload-month"]) if (!$(id).value) $(id).value = thisMonth();
  if (!$("lines-table").tBodies[0].rows.length) addLine();
}

function labelled(element, n, fieldKey) {
  element.setAttribute("aria-label", tr("line.label", { n, field: tr(fieldKey) }));
  element.dataset.field = fieldKey;
  return element;
}

export function addLine() {
  const body = $("lines-table").tBodies[0];
  const n = body.rows.length + 1;
  const row = document.createElement("tr");
  const kind = labelled(document.createElement("select"), n, "col.kind");
  kind.name = "kind";
  kind.append(...KINDS.map((k) => new Option(tr(`kind.${k}`), k)));
  const input = (name, key, attrs = {}) => {
    const element = labelled(document.createElement("input"), n, key);
    element.name = name;
    Object.assign(element, attrs);
    return element;
  };
  const reason = labelled(document.createElement("select"), n, "col.reason");
  reason.name = "reason";
  reason.append(new Option(tr("reason.none"), ""), ...REASONS.map((r) => new Option(tr(`reason.${r}`), r)));
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link";
  remove.textContent = "×";
  labelled(remove, n, "declare.remove");
  remove.addEventListener("click", () => row.remove());
  const fields = [
    kind,
    input("si_code", "col.si_code", { inputMode: "numeric", maxLength: 10 }),
    input("full_name", "col.full_name", { maxLength: 120 }),
    input("salary", "col.salary", { inputMode: "numeric" }),
    input("from_month", "col.from_month", { type: "month", value: $("declare-month").value || thisMonth() }),
    reason,
    remove,
  ];
  row.append(cell(String(n)), ...fields.map((f) => {
    const td = document.createElement("td");
    td.append(f);
    return td;
  }));
  body.append(row);
}

function readLines() {
  return [...$("lines-table").tBodies[0].rows].map((row) => {
    const value = (name) => row.querySelector(`[name="${name}"]`).value.trim();
    const line = { kind: value("kind"), si_code: value("si_code") || null, from_month: value("from_month") };
    if (value("full_name")) line.full_name = value("full_name");
    const salary = value("salary").replace(/[.,\s]/g, "");
    if (salary) line.salary = Number(salary);
    if (value("reason")) line.reason = value("reason");
    return line;
  });
}

function clearProblems() {
  for (const element of document.querySelectorAll("#lines-table [aria-invalid]")) {
    element.removeAttribute("aria-invalid");
    element.removeAttribute("aria-describedby");
  }
  for (const element of document.querySelectorAll("#lines-table .cell-error")) element.remove();
  $("problems").hidden = true;
  $("declare-result").replaceChildren();
}

function showProblems(errors, inTable) {
  const rows = inTable ? $("lines-table").tBodies[0].rows : [];
  fillTable(
    $("problems-table"),
    errors.map((e) => [cell(String(e.row)), cell(e.column), cell(`${e.message} (${e.code})`)]),
    "declarations.empty",
    3,
  );
  $("problems").hidden = false;
  errors.forEach((e, index) => {
    const row = rows[e.row - 1];
    const field = row?.querySelector(`[name="${e.column}"]`);
    if (!field) return;
    const note = document.createElement("p");
    note.className = "cell-error";
    note.id = `problem-${index}`;
    note.textContent = e.message;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", note.id);
    field.after(note);
  });
}

function showApplied(data, replayed) {
  const message = document.createElement("p");
  message.className = "ok";
  message.textContent = replayed
    ? tr("declare.replayed")
    : tr("declare.applied", { count: data.lines.length, month: month(data.month) });
  message.append(" ", receiptLink(data.id));
  $("declare-result").replaceChildren(message);
}

async function submitDeclaration(path, options, inTable, button) {
  clearProblems();
  button.disabled = true;
  try {
    const { data, replayed } = await api(path, options);
    showApplied(data, replayed);
    return true;
  } catch (error) {
    if (error.problem?.errors) showProblems(error.problem.errors, inTable);
    else showError($("app-error"), error.problem?.detail ?? tr("error.generic"));
    return false;
  } finally {
    button.disabled = false;
  }
}

export async function onDeclare(event) {
  event.preventDefault();
  const body = JSON.stringify({ month: $("declare-month").value, lines: readLines() });
  const headers = { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() };
  const done = await submitDeclaration(`${base()}/declarations`, { method: "POST", body, headers }, true, $("declare-submit"));
  if (done) {
    $("lines-table").tBodies[0].replaceChildren();
    addLine();
  }
}

export async function onUpload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  const xlsx = file.name.toLowerCase().endsWith(".xlsx");
  const headers = {
    "Content-Type": xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv",
    "Idempotency-Key": crypto.randomUUID(),
  };
  const path = `${base()}/declarations/upload?month=${encodeURIComponent($("upload-month").value)}`;
  const button = event.submitter ?? $("upload-form").querySelector("button");
  await submitDeclaration(path, { method: "POST", body: await file.arrayBuffer(), headers }, false, button);
}

/** The declaration lines' labels and choices in the language now in use. */
export function relabelLines() {
  [...$("lines-table").tBodies[0].rows].forEach((row, index) => {
    for (const element of row.querySelectorAll("[data-field]")) labelled(element, index + 1, element.dataset.field);
    for (const option of row.querySelectorAll('[name="kind"] option')) option.text = tr(`kind.${option.value}`);
    for (const option of row.querySelectorAll('[name="reason"] option')) {
      option.text = tr(option.value ? `reason.${option.value}` : "reason.none");
    }
  });
}
