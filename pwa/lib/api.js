// The API client: the access token lives in memory only; the rotating refresh token is stored so a reload
// keeps the user signed in, and only one tab refreshes at a time (a reused refresh token revokes the session).

import { currentLanguage } from "./i18n.js";

const REFRESH_KEY = "ansinh.refresh";
const REFRESH_LOCK = "ansinh-refresh";
let accessToken = null;
let accessExpiresAt = 0;
const listeners = new Set();

/** A failed request: the RFC 9457 problem body (or a network failure with status 0). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

/** Be told when the session ends (sign-out, refresh failure): the app goes back to sign-in. */
export function onSignedOut(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isSignedIn() {
  return Boolean(accessToken || localStorage.getItem(REFRESH_KEY));
}

/** Keep a token pair from /auth/otp, /auth/refresh or a passkey sign-in. */
export function adoptTokens(pair) {
  accessToken = pair.access_token;
  accessExpiresAt = Date.now() + (pair.expires_in - 30) * 1000;
  localStorage.setItem(REFRESH_KEY, pair.refresh_token);
}

export function forgetTokens() {
  accessToken = null;
  accessExpiresAt = 0;
  localStorage.removeItem(REFRESH_KEY);
  for (const listener of listeners) listener();
}

async function refresh(staleRefreshToken) {
  const work = async () => {
    const stored = localStorage.getItem(REFRESH_KEY);
    if (!stored) return false;
    // Another tab refreshed while we waited for the lock: its access token is not ours, but the stored
    // refresh token is the new one, so this tab refreshes with it (never with the spent one).
    if (stored !== staleRefreshToken && accessToken && Date.now() < accessExpiresAt) return true;
    const response = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: stored }),
    });
    if (!response.ok) return false;
    adoptTokens(await response.json());
    return true;
  };
  return navigator.locks ? navigator.locks.request(REFRESH_LOCK, work) : work();
}

async function ensureAccessToken() {
  if (accessToken && Date.now() < accessExpiresAt) return accessToken;
  const stale = localStorage.getItem(REFRESH_KEY);
  if (!stale || !(await refresh(stale))) return null;
  return accessToken;
}

async function send(path, { method = "GET", body, headers = {}, auth = true, raw = false } = {}) {
  const request = { method, headers: { "Accept-Language": currentLanguage(), ...headers } };
  if (body !== undefined) {
    request.headers["Content-Type"] = "application/json";
    request.body = JSON.stringify(body);
  }
  if (auth) {
    const token = await ensureAccessToken();
    if (token) request.headers.Authorization = `Bearer ${token}`;
  }
  let response;
  try {
    response = await fetch(path, request);
  } catch {
    throw new ApiError(0, { title: "offline" });
  }
  return { response, raw };
}

/** Call the API: JSON in, JSON out; on 401 one refresh and one retry, then sign-out. */
export async function api(path, options = {}) {
  let { response } = await send(path, options);
  if (response.status === 401 && options.auth !== false) {
    accessToken = null;
    const stale = localStorage.getItem(REFRESH_KEY);
    if (stale && (await refresh(stale))) ({ response } = await send(path, options));
    if (response.status === 401) {
      forgetTokens();
      throw new ApiError(401, await safeJson(response));
    }
  }
  if (!response.ok) throw new ApiError(response.status, await safeJson(response));
  if (options.raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

async function safeJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

/** Sign out on the server (best effort) and forget the tokens here. */
export async function signOut() {
  try {
    await api("/api/v1/auth/logout", { method: "POST" });
  } catch {
    // Offline or already expired: forgetting locally is what matters.
  }
  forgetTokens();
}
