// Offline check of an AnSinh card token (the QR text) against a cached JWKS, with WebCrypto only.
// Pure: no DOM, no storage, no network, so a page (or a test) can call it with any JWKS and clock.
//
// Token: "AS1:" + compact JWS b64url(header).b64url(payload).b64url(signature), ES256 (raw r||s).
// Result codes are the online check's, in the server's order (ansinh.cards.tokens.check_card_token and
// offline_result): form 901 → algorithm 904 → type 901 → key 903 → signature 902 → claims 901 →
// token expiry 905 → card dates 010 / 911 → 000. Keep the two in step (cards/results.py: one code table).

export const PREFIX = "AS1:";

/** The codes this module can return, worded as the server words them (shown when it cannot answer). */
export const OFFLINE_MESSAGES = Object.freeze({
  "000": { vi: "Chữ ký hợp lệ, thẻ còn trong thời hạn ghi trên mã.", en: "Genuine card token; the card is within its dates." },
  "010": { vi: "Thẻ đã hết giá trị sử dụng.", en: "The card has expired." },
  "911": { vi: "Thẻ chưa đến thời hạn sử dụng.", en: "The card is not in force yet." },
  "901": { vi: "Mã QR không phải mã thẻ AnSinh hợp lệ.", en: "This is not an AnSinh card code." },
  "902": {
    vi: "Chữ ký không hợp lệ: mã đã bị sửa hoặc giả mạo.",
    en: "The signature does not verify: the code was altered or forged.",
  },
  "903": { vi: "Mã được ký bằng khóa không xác định.", en: "The code was signed with an unknown key." },
  "904": {
    vi: "Mã dùng thuật toán chữ ký không được chấp nhận.",
    en: "The code uses a signature algorithm that is not allowed.",
  },
  "905": { vi: "Mã đã hết hạn; đề nghị người bệnh làm mới mã.", en: "The code has expired; ask the patient to refresh it." },
});

// Vietnam has kept UTC+7 without daylight saving since 1975: a fixed offset gives the legal date
// even where the browser lacks time-zone data.
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
const SEGMENT = /^[A-Za-z0-9_-]*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const BIRTH = /^\d{4}(-\d{2}-\d{2})?$/;
const CARD_NUMBER = /^\d{10}$/;
const TOKEN_TYPE = "ansinh-card+jwt";
const MAX_TOKEN_LENGTH = 2048; // the server's limit too: a real token is ~450 characters

/** Today's date in Asia/Ho_Chi_Minh as "YYYY-MM-DD". */
export function vietnamToday(now = new Date()) {
  return new Date(now.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** Bytes of a base64url string (padding optional); null when it is not base64url. */
export function base64UrlToBytes(text) {
  if (typeof text !== "string" || text === "" || !SEGMENT.test(text) || text.length % 4 === 1) return null;
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  try {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

// A JSON object from base64url UTF-8 (Vietnamese names); null for anything else, never a throw.
function decodeJsonObject(part) {
  const bytes = base64UrlToBytes(part);
  if (bytes === null) return null;
  try {
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function isRealDate(text) {
  if (typeof text !== "string" || !ISO_DATE.test(text)) return false;
  const [year, month, day] = text.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const nonEmptyString = (value) => typeof value === "string" && value !== "";

// The claims a card token must carry, in their formats (as the server's _parse_claims requires).
function claimsWellFormed(payload) {
  return (
    ["iss", "sub", "cid", "n", "b", "s", "fac", "jti"].every((name) => nonEmptyString(payload[name])) &&
    [payload.lvl, payload.iat, payload.exp].every(Number.isSafeInteger) &&
    payload.lvl >= 1 &&
    payload.lvl <= 5 &&
    CARD_NUMBER.test(payload.sub) &&
    BIRTH.test(payload.b) &&
    (payload.s === "M" || payload.s === "F") &&
    isRealDate(payload.vf) &&
    isRealDate(payload.vt)
  );
}

function keysOf(jwks) {
  if (Array.isArray(jwks)) return jwks;
  if (jwks && Array.isArray(jwks.keys)) return jwks.keys;
  return [];
}

// Only a P-256 signing key may verify a card token, whatever else the key set holds.
function findKey(jwks, kid) {
  if (typeof kid !== "string" || kid === "") return null;
  return (
    keysOf(jwks).find(
      (key) =>
        key &&
        key.kid === kid &&
        key.kty === "EC" &&
        key.crv === "P-256" &&
        (key.use === undefined || key.use === "sig") &&
        (key.alg === undefined || key.alg === "ES256"),
    ) ?? null
  );
}

async function signatureVerifies(jwk, signingInput, signature) {
  // WebCrypto's ECDSA takes the JWS form as is: r||s, 32 bytes each for P-256.
  if (signature === null || signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
    return await crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" },
      key,
      signature,
      new TextEncoder().encode(signingInput),
    );
  } catch {
    return false; // a broken key in the set verifies nothing
  }
}

function outcome(result, payload = null, kid = null) {
  return { result, valid: result === "000", payload, kid };
}

/**
 * Check a card token with the cached key set, without the network.
 *
 * Returns {result, valid, payload, kid}: ``payload`` only once the signature has verified (an
 * unverified payload must never be shown as a card), ``kid`` whenever the header could be read.
 * The card's status (suspended, revoked…) cannot be known offline: only the server tells it.
 */
export async function checkOffline(qrText, jwks, now = new Date()) {
  if (typeof qrText !== "string") return outcome("901");
  const text = qrText.trim(); // a pasted code often ends with a newline; the page sends it trimmed too
  if (!text.startsWith(PREFIX) || text.length > MAX_TOKEN_LENGTH) return outcome("901");
  const parts = text.slice(PREFIX.length).split(".");
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) return outcome("901");
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeJsonObject(headerPart);
  const payload = decodeJsonObject(payloadPart);
  if (header === null || payload === null) return outcome("901");

  // The algorithm is ours to choose, never the token's: "none" or HS256 is refused before any key.
  if (header.alg !== "ES256") return outcome("904");
  if (header.typ !== TOKEN_TYPE) return outcome("901");
  const kid = typeof header.kid === "string" ? header.kid : null;
  const jwk = findKey(jwks, kid);
  if (jwk === null) return outcome("903", null, kid);
  const signature = base64UrlToBytes(signaturePart);
  if (!(await signatureVerifies(jwk, `${headerPart}.${payloadPart}`, signature))) return outcome("902", null, kid);
  if (!claimsWellFormed(payload)) return outcome("901", null, kid);

  if (now.getTime() / 1000 >= payload.exp) return outcome("905", payload, kid);
  // ISO dates compare as strings; the card is in force from its valid-from through its valid-to day.
  const today = vietnamToday(now);
  if (today > payload.vt) return outcome("010", payload, kid);
  if (today < payload.vf) return outcome("911", payload, kid);
  return outcome("000", payload, kid);
}
