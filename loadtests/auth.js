// Keycloak gate: client-credentials token requests under load (the path every service-to-service
// call takes when its token expires).
import { check } from "k6";
import http from "k6/http";
import { Rate } from "k6/metrics";
import { gateOptions, guardedTrend, handRunOptions, requireEnv } from "./lib/gate.js";
import { isNonEmptyString, jsonBody } from "./lib/http.js";

const TOKEN_URL = requireEnv("KEYCLOAK_TOKEN_URL", "e.g. https://sso.example.com/realms/ods/protocol/openid-connect/token");
const CLIENT_ID = requireEnv("KEYCLOAK_CLIENT_ID", "a confidential client with service accounts enabled");
// The secret only ever comes from the environment (CI secret store), never from the repo.
const CLIENT_SECRET = requireEnv("KEYCLOAK_CLIENT_SECRET", "export it from your secret store; it is never read from a file");

const latency = guardedTrend("auth_token_ms");
const errors = new Rate("auth_errors");

export const options = gateOptions(
  handRunOptions(5, {
    "auth_token_ms{scenario:measure}": ["p(95)<500"],
    "auth_token_ms_samples{scenario:measure}": ["count>=50"],
    "auth_errors{scenario:measure}": ["rate<0.05"],
  }),
);

export default function () {
  const res = http.post(
    TOKEN_URL,
    { grant_type: "client_credentials", client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
    { tags: { name: "POST token" } },
  );
  const body = jsonBody(res);
  const ok = check(res, {
    "token: 200": (r) => r.status === 200,
    "token: has access_token": () => body !== null && isNonEmptyString(body.access_token),
    "token: bearer": () => body !== null && String(body.token_type).toLowerCase() === "bearer",
  });
  errors.add(!ok);
  if (ok) latency.add(res.timings.duration);
}
