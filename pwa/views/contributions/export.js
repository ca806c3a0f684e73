// Contributions · downloads: the CSV of the (filtered) history, and the signed passbook as a PDF.

import { api } from "../../lib/api.js";
import { attachmentName, saveBlob } from "../../lib/download.js";
import { unavailableText } from "../../lib/feedback.js";
import { currentLanguage, t } from "../../lib/i18n.js";
import { BASE } from "./common.js";
import { query } from "./filters.js";

const CSV_NAME = "ansinh-contributions.csv";
const PASSBOOK_NAME = "ansinh-passbook.pdf";

/** The contributions (as filtered) as a CSV file. */
export async function downloadCsv(button, status) {
  button.disabled = true;
  status.textContent = t("contributions.downloading");
  try {
    const response = await api(`${BASE}${query({ format: "csv" })}`, { raw: true });
    saveBlob(await response.blob(), CSV_NAME);
    status.textContent = t("contributions.downloaded");
  } catch (error) {
    status.textContent = unavailableText(error);
  } finally {
    button.disabled = false;
  }
}

/** The signed passbook (sổ BHXH) as a PDF in the current language, saved through a blob URL. */
export async function downloadPassbook(button, status) {
  button.disabled = true;
  status.textContent = t("contributions.passbook_preparing");
  try {
    const response = await api(`${BASE}.pdf?lang=${currentLanguage()}`, { raw: true });
    saveBlob(await response.blob(), attachmentName(response, PASSBOOK_NAME));
    status.textContent = t("contributions.passbook_done");
  } catch (error) {
    status.textContent =
      error?.status === 0 ? t("common.offline_unavailable") : t("contributions.passbook_failed", { detail: error?.problem?.detail || t("common.error") });
  } finally {
    button.disabled = false;
  }
}
