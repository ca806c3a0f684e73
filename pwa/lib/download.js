// Files the user downloads (the contributions CSV, the passbook PDF, their own data) are saved through a blob URL.

import { h } from "./dom.js";

/** The file name a response's Content-Disposition gives, else ``fallback``. */
export function attachmentName(response, fallback) {
  return /filename="?([^";]+)"?/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? fallback;
}

/** Save ``blob`` as ``name`` through a hidden link; the URL is released once the browser has taken the file. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true }, name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
