// Who is calling: the Supabase JWT in `Authorization: Bearer`, verified here because the
// functions talk to Postgres directly (there is no PostgREST in between to do it). Legacy
// projects sign with the JWT secret (HS256: the secret JWT_SECRET, which `supabase secrets set`
// accepts; names starting SUPABASE_ are reserved for the platform's own); newer ones with
// asymmetric keys, which the platform gives every function as SUPABASE_JWKS. No token at all
// means anon, as with PostgREST.
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

type KeyInput = Parameters<typeof jose.jwtVerify>[1];

/**
 * The verification key from the environment (read per request so secrets can rotate) and the
 * algorithms it verifies: HS256 for the JWT secret, the asymmetric ones for SUPABASE_JWKS. A
 * token in any other algorithm is refused as a bad token (401), never a fault of ours.
 */
function verificationKey(): { key: KeyInput; algorithms: string[] } {
  const secret = Deno.env.get("JWT_SECRET");
  if (secret) return { key: new TextEncoder().encode(secret), algorithms: ["HS256"] };
  const jwks = Deno.env.get("SUPABASE_JWKS");
  if (jwks) return { key: jose.createLocalJWKSet(JSON.parse(jwks)), algorithms: ["RS256", "ES256", "EdDSA"] };
  throw new Error("no JWT verification key: set the secret JWT_SECRET (or SUPABASE_JWKS)");
}

/** The caller's verified claims: anon without a token, 401 NOT_AUTHORIZED for a bad one. */
export async function authenticate(req: Request): Promise<Claims> {
  const header = req.headers.get("Authorization");
  if (header === null || header.trim() === "") return ANON;
  const token = header.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw unauthorized("Authorization must be `Bearer <jwt>`");
  const { key, algorithms } = verificationKey();
  let payload: jose.JWTPayload;
  try {
    ({ payload } = await jose.jwtVerify(token, key, { algorithms, requiredClaims: ["exp", "role"] }));
  } catch (error) {
    // Whatever the token is (any algorithm, any key type, any malformed part), a token we
    // cannot verify is the caller's problem: 401, never a 500.
    throw unauthorized(`invalid token: ${error instanceof jose.errors.JOSEError ? error.code : "unverifiable"}`);
  }
  const role = payload.role;
  if (typeof role !== "string" || !API_ROLES.includes(role)) throw unauthorized("the token's role is not an API role");
  if (role === "authenticated" && !isUuid(payload.sub)) throw unauthorized("the token's subject is not a user id");
  return { ...payload, role: role as ApiRole };
}
