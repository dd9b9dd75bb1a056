// Who may call: tokens are verified against the project's JSON Web Key Set first and the legacy
// JWT secret second, so a signing-key rotation (legacy secret -> asymmetric key, or one
// asymmetric key to the next) signs nobody out. Keys are the test's own, made with WebCrypto.
import assert from "node:assert/strict";
import * as jose from "jose";
import { handler } from "../availability/handler.ts";
import { answer, assertError, call, closePools, CLUB_ID, dbTest, night, staffToken, VENUE_ID } from "./helpers.ts";

const path = `/availability/v1/clubs/${CLUB_ID}/venues/${VENUE_ID}/availability?date=${night(3)}&slotId=slot_21_00`;
const HOST = { sub: "55555555-5555-4555-8555-555555555503", role: "authenticated", aal: "aal1" };

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: jose.JWK; // the public half, as Auth publishes it
}

/** An asymmetric signing key as Supabase Auth makes one: ES256 (P-256) or RS256 (RSA 2048). */
async function signingKey(alg: "ES256" | "RS256"): Promise<SigningKey> {
  const params = alg === "ES256"
    ? { name: "ECDSA", namedCurve: "P-256" }
    : { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const { privateKey, publicKey } = await crypto.subtle.generateKey(params, true, ["sign", "verify"]);
  const kid = crypto.randomUUID();
  const jwk = { ...(await crypto.subtle.exportKey("jwk", publicKey)), kid, alg, use: "sig", key_ops: ["verify"] };
  return { kid, alg, privateKey, jwk: jwk as jose.JWK };
}

/** The host's token signed by that key, with its `kid` as Auth sets it. */
function signedBy(key: { kid: string; alg: string; privateKey: CryptoKey | Uint8Array }): Promise<string> {
  return new jose.SignJWT(HOST).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
    .setExpirationTime("1h").sign(key.privateKey);
}

/** Run fn with these variables set (a value) or unset (null), then put them back. */
async function withEnv(vars: Record<string, string | null>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, Deno.env.get(name) ?? null]));
  const apply = (values: Record<string, string | null>) => {
    for (const [name, value] of Object.entries(values)) {
      value === null ? Deno.env.delete(name) : Deno.env.set(name, value);
    }
  };
  apply(vars);
  try {
    await fn();
  } finally {
    apply(saved);
  }
}

async function assertStaffView(token: string): Promise<void> {
  const { status, body } = await answer(await call(handler, "GET", path, { token }));
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.view, "staff");
}

const assertRefused = async (token: string) =>
  void await assertError(await call(handler, "GET", path, { token }), 401, "NOT_AUTHORIZED");

dbTest("during a key rotation the JWKS's keys verify while JWT_SECRET is set, and so does the secret", async () => {
  const [current, standby, stranger] = await Promise.all([
    signingKey("ES256"),
    signingKey("RS256"),
    signingKey("ES256"),
  ]);
  // JWT_SECRET stays set (tests/helpers.ts): the legacy secret and the new keys are all trusted.
  await withEnv({ SUPABASE_JWKS: JSON.stringify({ keys: [current.jwk, standby.jwk] }) }, async () => {
    await assertStaffView(await signedBy(current));
    await assertStaffView(await signedBy(standby));
    await assertStaffView(await staffToken("host")); // HS256 with JWT_SECRET, no kid
    await assertRefused(await signedBy(stranger)); // a key the project never published
    await assertRefused(await signedBy({ ...stranger, kid: current.kid })); // ... claiming a published kid
  });
});

dbTest("a project without the legacy secret: SUPABASE_JWKS alone (a bare array of keys too)", async () => {
  const key = await signingKey("ES256");
  await withEnv({ SUPABASE_JWKS: JSON.stringify([key.jwk]), JWT_SECRET: null }, async () => {
    await assertStaffView(await signedBy(key));
    await assertRefused(await staffToken("host")); // the secret is revoked: its tokens no longer verify
  });
});

dbTest("a shared-secret signing key in SUPABASE_JWKS verifies HS256 tokens that name its kid", async () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const shared = { kty: "oct", kid: crypto.randomUUID(), alg: "HS256", k: jose.base64url.encode(secret) };
  await withEnv({ SUPABASE_JWKS: JSON.stringify({ keys: [shared] }) }, async () => {
    await assertStaffView(await signedBy({ kid: shared.kid, alg: "HS256", privateKey: secret }));
    await assertStaffView(await staffToken("host")); // JWT_SECRET still verifies its own
    await assertRefused(await signedBy({ kid: crypto.randomUUID(), alg: "HS256", privateKey: secret }));
  });
});

dbTest("SUPABASE_JWKS_URL: the keys are fetched from the project's /auth/v1/.well-known/jwks.json", async () => {
  const key = await signingKey("RS256");
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/auth/v1/.well-known/jwks.json"
        ? Response.json({ keys: [key.jwk] }, { headers: { "Cache-Control": "public, max-age=600" } })
        : new Response(null, { status: 404 }),
  );
  const url = `http://127.0.0.1:${server.addr.port}/auth/v1/.well-known/jwks.json`;
  try {
    await withEnv({ SUPABASE_JWKS: null, SUPABASE_JWKS_URL: url }, async () => {
      await assertStaffView(await signedBy(key));
      await assertStaffView(await staffToken("host"));
      await assertRefused(await signedBy(await signingKey("RS256")));
    });
  } finally {
    await server.shutdown();
  }
});

dbTest("a malformed SUPABASE_JWKS is ignored: the JWT secret still verifies, other tokens are 401", async () => {
  await withEnv({ SUPABASE_JWKS: "{not json" }, async () => {
    await assertStaffView(await staffToken("host"));
    await assertRefused(await signedBy(await signingKey("ES256")));
  });
});

closePools();
