// Who is calling: the Supabase JWT in `Authorization: Bearer`, verified here because the
// functions talk to Postgres directly (there is no PostgREST in between to do it). A token is
// tried against the project's JSON Web Key Set first (SUPABASE_JWKS, which the platform gives
// every function: the public halves of the asymmetric signing keys it trusts, in use, standby or
// previously used, found by the token's `kid`, and shared-secret keys where a set carries them;
// or SUPABASE_JWKS_URL, a project's /auth/v1/.well-known/jwks.json, for hosts that don't inject
// it), then against the legacy JWT
// secret (HS256: the secret JWT_SECRET, which `supabase secrets set` accepts; names starting
// SUPABASE_ are reserved for the platform's own). Both stay trusted through a key rotation:
// tokens signed before it (the legacy secret) and after it (the new key) are accepted until the
// old key is revoked. No token at all means anon, as with PostgREST.
import * as jose from "jose";
import { ApiError, isUuid } from "./http.ts";

export type ApiRole = "anon" | "authenticated" | "service_role";

/** Verified JWT claims; `role` is one of the API roles. */
export interface Claims {
  role: ApiRole;
  sub?: string;
  aal?: string;
  [claim: string]: unknown;
}

const API_ROLES: readonly string[] = ["anon", "authenticated", "service_role"];

export const ANON: Claims = { role: "anon" };

function unauthorized(message: string): ApiError {
  return new ApiError(401, "NOT_AUTHORIZED", message, null, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
}

const ASYMMETRIC = ["ES256", "RS256", "EdDSA"];

/** Where a token's key may come from, and the algorithms verified with it. */
interface KeySource {
  key: jose.JWTVerifyGetKey;
  algorithms: string[];
}

let inlineJwks: { raw: string; source: KeySource | null } | null = null;
let remoteJwks: { url: string; source: KeySource } | null = null;

/**
 * A key source for a JSON Web Key Set given inline (`{"keys": [...]}` or a bare array): its
 * asymmetric keys by `kid` and `alg`, and its shared-secret (`oct`) keys for HS256 tokens that
 * name them by `kid`. A malformed set is logged and ignored (the JWT secret may still verify).
 */
function localKeySource(raw: string): KeySource | null {
  try {
    const parsed = JSON.parse(raw);
    const keys: jose.JWK[] = Array.isArray(parsed) ? parsed : parsed.keys;
    const asymmetric = jose.createLocalJWKSet({ keys: keys.filter((k) => k.kty !== "oct") });
    const shared = keys.filter((k) => k.kty === "oct" && k.kid);
    const key: jose.JWTVerifyGetKey = (header, token) => {
      if (header.alg !== "HS256") return asymmetric(header, token);
      const jwk = shared.find((k) => k.kid === header.kid);
      if (!jwk) throw new jose.errors.JWKSNoMatchingKey();
      return jose.importJWK(jwk, "HS256");
    };
    return { key, algorithms: shared.length ? [...ASYMMETRIC, "HS256"] : ASYMMETRIC };
  } catch (error) {
    console.error("SUPABASE_JWKS is not a JSON Web Key Set: ignored", error);
    return null;
  }
}

/**
 * The project's key set, from the environment (read per request so keys can rotate; parsed
 * once per value). A remote set is fetched when a token names a `kid` it has not seen, at
 * most every 30 s, and kept 10 minutes (jose's defaults; Auth serves it with max-age=600).
 */
function jwksSource(): KeySource | null {
  const raw = Deno.env.get("SUPABASE_JWKS");
  if (raw) {
    if (inlineJwks?.raw !== raw) inlineJwks = { raw, source: localKeySource(raw) };
    return inlineJwks.source;
  }
  const url = Deno.env.get("SUPABASE_JWKS_URL");
  if (!url) return null;
  if (remoteJwks?.url !== url) {
    remoteJwks = { url, source: { key: jose.createRemoteJWKSet(new URL(url)), algorithms: ASYMMETRIC } };
  }
  return remoteJwks.source;
}

/** The key sources in the order they are tried: the project's JWKS, then the JWT secret. */
function keySources(): KeySource[] {
  const sources: KeySource[] = [];
  const jwks = jwksSource();
  if (jwks) sources.push(jwks);
  const secret = Deno.env.get("JWT_SECRET");
  if (secret) sources.push({ key: () => new TextEncoder().encode(secret), algorithms: ["HS256"] });
  if (sources.length === 0) {
    throw new Error("no JWT verification key: SUPABASE_JWKS (or SUPABASE_JWKS_URL) or the secret JWT_SECRET");
  }
  return sources;
}

/**
 * The token's payload, verified by the first key source that accepts it. A token no source
 * accepts (any algorithm, any key type, any malformed part) is the caller's problem: 401
 * with the reason from the source that handles its algorithm, never a 500.
 */
async function verifiedPayload(token: string): Promise<jose.JWTPayload> {
  let failure: unknown = null;
  for (const { key, algorithms } of keySources()) {
    try {
      return (await jose.jwtVerify(token, key, { algorithms, requiredClaims: ["exp", "role"] })).payload;
    } catch (error) {
      if (failure === null || !(error instanceof jose.errors.JOSEAlgNotAllowed)) failure = error;
    }
  }
  throw unauthorized(`invalid token: ${failure instanceof jose.errors.JOSEError ? failure.code : "unverifiable"}`);
}

/** The caller's verified claims: anon without a token, 401 NOT_AUTHORIZED for a bad one. */
export async function authenticate(req: Request): Promise<Claims> {
  const header = req.headers.get("Authorization");
  if (header === null || header.trim() === "") return ANON;
  const token = header.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw unauthorized("Authorization must be `Bearer <jwt>`");
  const payload = await verifiedPayload(token);
  const role = payload.role;
  if (typeof role !== "string" || !API_ROLES.includes(role)) throw unauthorized("the token's role is not an API role");
  if (role === "authenticated" && !isUuid(payload.sub)) throw unauthorized("the token's subject is not a user id");
  return { ...payload, role: role as ApiRole };
}
