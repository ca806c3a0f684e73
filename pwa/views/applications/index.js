// Public-service applications (dịch vụ công): the list with status chips, a chooser of the four kinds with a
// form each, and one application's timeline. One Idempotency-Key per form, so a double tap files once.
// Each screen is its own module here; this one picks it from the route.

import { useStyles } from "../../lib/dom.js";
import { KINDS } from "./common.js";
import { renderDetail } from "./detail.js";
import { renderList } from "./list.js";
import { renderChooser, renderForm } from "./new.js";

export async function render(root, param = "") {
  useStyles("/pwa/styles/services.css");
  const [first, second] = param.split("/");
  if (!first) return renderList(root);
  if (first === "new" && KINDS.includes(second)) return renderForm(root, second);
  if (first === "new") return renderChooser(root);
  if (/^\d+$/.test(first)) return renderDetail(root, first);
  return renderList(root);
}
