// Settings: language, identity verification (assurance level), contact on record, notifications (push, card
// checks), passkeys, signed-in devices, security events, my data, sign-out.
// Each section is its own module here; this one lays them out and wires what they share.

import { api, signOut } from "../../lib/api.js";
import { h, mount, useStyles } from "../../lib/dom.js";
import { t } from "../../lib/i18n.js";
import { contactSection } from "./contact.js";
import { sessionSection } from "./devices.js";
import { eventSection } from "./events.js";
import { identitySection } from "./identity.js";
import { languageSection } from "./language.js";
import { myDataSection } from "./my-data.js";
import { notificationSection } from "./notifications.js";
import { passkeySection } from "./passkeys.js";

export async function render(root) {
  useStyles("/pwa/styles/identity.css");
  useStyles("/pwa/styles/services.css");
  const leave = h(
    "button",
    {
      type: "button",
      id: "settings-sign-out",
      class: "danger",
      onclick: async () => {
        leave.disabled = true;
        await signOut(); // the shell listens for sign-out and shows the sign-in screen
      },
    },
    t("settings.sign_out"),
  );
  // Lists that a step-up sign-in or a contact change makes stale (a new session, a new security event).
  const reloads = new Set();
  const refresh = () => reloads.forEach((reload) => reload());
  const profile = api("/api/v1/me");
  const identity = identitySection(profile);
  const stepUp = { chipHelp: identity, onSignedIn: refresh };
  mount(
    root,
    h(
      "div",
      { class: "settings" },
      h("h1", {}, t("settings.title")),
      languageSection(),
      identity,
      contactSection(profile, stepUp, refresh),
      notificationSection(),
      passkeySection(stepUp, reloads),
      sessionSection(reloads),
      eventSection(reloads),
      myDataSection(),
      h("section", { class: "panel settings-section", "aria-label": t("settings.sign_out") }, leave),
    ),
  );
}
