// HTTP helpers shared by the API scripts: auth headers, tolerant JSON parsing, response envelopes.

/** Bearer header from ODS_API_TOKEN (never from a file in the repo); empty when unset. */
export function apiHeaders(extra) {
  const h = Object.assign({ "Content-Type": "application/json", Accept: "application/json" }, extra || {});
  if (__ENV.ODS_API_TOKEN) h.Authorization = `Bearer ${__ENV.ODS_API_TOKEN}`;
  return h;
}

/** Parsed JSON body or null; a non-JSON body (an HTML error page, say) must fail checks, not throw. */
export function jsonBody(res) {
  try {
    return res.body ? JSON.parse(res.body) : null;
  } catch {
    return null;
  }
}

/** Accepts both a bare object and the `{ code, message, data }` envelope the platform's APIs use. */
export function unwrap(body) {
  if (body && typeof body === "object" && body.data && typeof body.data === "object" && !Array.isArray(body.data)) return body.data;
  return body;
}

export function isNonEmptyString(v) {
  return typeof v === "string" && v.trim().length > 0;
}
