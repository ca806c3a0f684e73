// Hash routes (#/card, #/household…): one navigation URL, so the service worker serves the shell offline.

import { mount } from "./dom.js";
import { t } from "./i18n.js";

const routes = new Map();
let current = null;
// Each navigation's number: a screen whose code arrives after the user has moved on must not draw over the next.
let generation = 0;

/** register("card", () => import("../views/card.js")): each view module exports render(root, params). */
export function register(name, loader, { public: isPublic = false } = {}) {
  routes.set(name, { loader, isPublic });
}

export function navigate(name, params = "") {
  const target = `#/${name}${params ? `/${params}` : ""}`;
  if (location.hash === target) render();
  else location.hash = target;
}

export function currentRoute() {
  return current;
}

export async function render({ signedIn, fallback = "home", signIn = "signin" } = renderOptions) {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  let route = routes.get(name) ? name : fallback;
  if (!signedIn() && !routes.get(route).isPublic) route = signIn;
  current = route;
  const root = document.getElementById("view");
  document.querySelectorAll("[data-route]").forEach((link) => {
    if (link.dataset.route === route) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  const mine = ++generation;
  try {
    const module = await routes.get(route).loader();
    if (mine !== generation) return;
    await module.render(root, rest.join("/"));
  } catch (error) {
    console.error(error);
    if (mine !== generation) return;
    mount(root, Object.assign(document.createElement("p"), { className: "error", textContent: t("common.error") }));
  }
  if (mine === generation) root.focus({ preventScroll: true });
}

let renderOptions = {};
export function start(options) {
  renderOptions = options;
  window.addEventListener("hashchange", () => render(options));
  return render(options);
}
