// Boot: language, service worker, network banner, routes. Views are loaded on demand with import().

import { isSignedIn, onSignedOut } from "./lib/api.js";
import { loadLanguage, t } from "./lib/i18n.js";
import { kv } from "./lib/store.js";
import { navigate, register, start } from "./lib/router.js";

register("signin", () => import("./views/signin.js"), { public: true });
register("forgot", () => import("./views/forgot.js"), { public: true });
register("lookups", () => import("./views/lookups.js"), { public: true });
register("home", () => import("./views/home.js"));
register("card", () => import("./views/card.js"));
register("contributions", () => import("./views/contributions/index.js"));
register("benefits", () => import("./views/benefits.js"));
register("visits", () => import("./views/visits.js"));
register("household", () => import("./views/household/index.js"));
register("settings", () => import("./views/settings/index.js"));
register("applications", () => import("./views/applications/index.js"));
register("inbox", () => import("./views/inbox.js"));
register("verify", () => import("./views/verify.js"), { public: true });

function showNetworkStatus() {
  const banner = document.getElementById("network-status");
  banner.hidden = navigator.onLine;
  banner.textContent = navigator.onLine ? "" : t("app.offline");
}

function showTabs() {
  document.getElementById("tab-bar").hidden = !isSignedIn();
}

async function boot() {
  await loadLanguage();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => console.warn("no service worker", error));
    // A tapped notification asks an open window to show its screen (sw.js sends only "#/…" links).
    navigator.serviceWorker.addEventListener("message", (event) => {
      const link = event.data?.type === "ansinh-open" ? String(event.data.link ?? "") : "";
      if (link.startsWith("#/")) location.hash = link;
    });
    navigator.serviceWorker.startMessages();
  }
  window.addEventListener("online", showNetworkStatus);
  window.addEventListener("offline", showNetworkStatus);
  showNetworkStatus();
  onSignedOut(() => {
    // The offline card pass is personal: the next person on this device must not see it.
    kv.clear().catch(() => {});
    showTabs();
    navigate("signin");
  });
  window.addEventListener("hashchange", showTabs);
  showTabs();
  await start({ signedIn: isSignedIn });
  document.body.dataset.ready = "true";
}

boot();
