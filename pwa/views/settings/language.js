// Settings · language: Vietnamese or English, switched at once (the screen draws itself again).

import { h } from "../../lib/dom.js";
import { currentLanguage, LANGUAGES, loadLanguage, t } from "../../lib/i18n.js";
import { render as renderRoute } from "../../lib/router.js";
import { section } from "./section.js";

export function languageSection() {
  const select = h(
    "select",
    { id: "settings-language", name: "language" },
    LANGUAGES.map((code) =>
      h(
        "option",
        { value: code, lang: code, selected: code === currentLanguage() },
        t(`settings.language_names.${code}`),
      ),
    ),
  );
  select.addEventListener("change", async () => {
    await loadLanguage(select.value);
    await renderRoute();
    document.getElementById("settings-language")?.focus();
  });
  return section(
    "settings-lang",
    t("settings.language"),
    h("div", { class: "field" }, h("label", { for: "settings-language" }, t("settings.language_label")), select),
  );
}
