// Settings · my data (Decree 13/2023): everything held about the user, downloaded as one JSON file.

import { api } from "../../lib/api.js";
import { h } from "../../lib/dom.js";
import { attachmentName, saveBlob } from "../../lib/download.js";
import { problemMessage } from "../../lib/feedback.js";
import { t } from "../../lib/i18n.js";
import { section } from "./section.js";

export function myDataSection() {
  const status = h("p", { role: "status", class: "muted" });
  const button = h(
    "button",
    {
      type: "button",
      id: "settings-export",
      class: "secondary",
      onclick: async () => {
        button.disabled = true;
        status.textContent = t("settings.my_data.preparing");
        try {
          const response = await api("/api/v1/me/export", { raw: true });
          saveBlob(await response.blob(), attachmentName(response, "ansinh-my-data.json"));
          status.textContent = t("settings.my_data.done");
        } catch (error) {
          status.textContent = problemMessage(error);
        } finally {
          button.disabled = false;
        }
      },
    },
    t("settings.my_data.download"),
  );
  return section("settings-my-data", t("settings.my_data.title"), h("p", {}, t("settings.my_data.hint")), button, status);
}
