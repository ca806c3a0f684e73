// Passkeys (WebAuthn): enrol one while signed in, sign in with one (button or the browser's autofill).
// The API speaks WebAuthn's JSON forms, so the browser parses the options and serialises the credential itself.

import { api } from "./api.js";

const BASE = "/api/v1/auth/passkeys";

/** Passkeys need a secure context and the JSON helpers (Chrome 129+, Safari 18+, Firefox 119+). */
export function passkeysSupported() {
  return Boolean(
    window.isSecureContext &&
      window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function" &&
      navigator.credentials,
  );
}

/** True when the browser can offer passkeys in the username field's autofill (conditional mediation). */
export async function conditionalMediationAvailable() {
  if (!passkeysSupported() || typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") return false;
  try {
    return await PublicKeyCredential.isConditionalMediationAvailable();
  } catch {
    return false;
  }
}

/** A cancelled or refused browser prompt (the user closed it, or it was aborted): nothing to report. */
export function isCancelled(error) {
  return error?.name === "NotAllowedError" || error?.name === "AbortError";
}

/** Create a passkey for the signed-in account; resolves to the stored passkey ({id, name, created_at…}). */
export async function enrolPasskey(name = null) {
  const options = await api(`${BASE}/registration/options`, { method: "POST" });
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey),
  });
  return api(`${BASE}/registration`, {
    method: "POST",
    body: { ceremony_id: options.ceremony_id, credential: credential.toJSON(), name },
  });
}

/**
 * Usernameless sign-in; resolves to the token pair for adoptTokens().
 * With ``conditional: true`` the request waits quietly for the user to pick a passkey in the username
 * field's autofill; pass an AbortSignal to withdraw it (e.g. when the password form is submitted).
 */
export async function signInWithPasskey({ conditional = false, signal } = {}) {
  const options = await api(`${BASE}/authentication/options`, { method: "POST", auth: false });
  signal?.throwIfAborted();
  const request = { publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey) };
  if (conditional) request.mediation = "conditional";
  if (signal) request.signal = signal;
  const assertion = await navigator.credentials.get(request);
  return api(`${BASE}/authentication`, {
    method: "POST",
    auth: false,
    body: { ceremony_id: options.ceremony_id, credential: assertion.toJSON() },
  });
}

/** The signed-in account's passkeys. */
export function listPasskeys() {
  return api("/api/v1/me/passkeys");
}

export function renamePasskey(id, name) {
  return api(`/api/v1/me/passkeys/${encodeURIComponent(id)}`, { method: "PATCH", body: { name } });
}

export function removePasskey(id) {
  return api(`/api/v1/me/passkeys/${encodeURIComponent(id)}`, { method: "DELETE" });
}
