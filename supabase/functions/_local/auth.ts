// Local-only sign-in for `make serve`: where no Supabase Auth runs, the board signs in as a
// seeded staff member or as a new guest, with a token signed by the local JWT secret (the same
// secret the local PostgREST and Realtime stand-ins verify with). Never deployed: on a project,
// the page signs in through Supabase Auth instead.
import * as jose from "jose";
import { asOwner } from "../_shared/db.ts";
import { invalid, isUuid, json, parseObject, readText } from "../_shared/http.ts";

function secret(): Uint8Array {
  const value = Deno.env.get("JWT_SECRET");
  if (!value) throw new Error("the local sign-in needs JWT_SECRET");
  return new TextEncoder().encode(value);
}

/** A token for these claims, signed with the local secret, valid for `seconds`. */
export function localToken(claims: Record<string, unknown>, seconds = 12 * 3600): Promise<string> {
  return new jose.SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) + seconds })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(secret());
}

/** The anon key of the local stack: a token whose role is anon. */
export const localAnonKey = (): Promise<string> =>
  localToken({ role: "anon", iss: "clubbooking-local" }, 10 * 365 * 86400);

/** `GET /auth/v1/local/users`: who may sign in: the venues' staff, with their role and name. */
export async function localUsers(): Promise<Response> {
  const rows = await asOwner((tx) =>
    tx`select u.id, u.email, u.raw_user_meta_data ->> 'full_name' as name, sm.role::text as role, v.name as venue
       from public.staff_members sm
       join auth.users u on u.id = sm.user_id
       join public.venues v on v.id = sm.venue_id
       order by v.name, sm.role desc, u.email`
  );
  return json(200, { staff: rows });
}

/**
 * `POST /auth/v1/local/sign-in` with {user_id} (a seeded user) or {guest_name} (a new guest
 * account is made, 18+): {access_token, user}.
 */
export async function localSignIn(req: Request): Promise<Response> {
  const body = parseObject(await readText(req));
  let userId: string;
  if (typeof body.guest_name === "string" && body.guest_name.trim() !== "") {
    const name = body.guest_name.trim().slice(0, 80);
    const [row] = await asOwner((tx) =>
      tx`insert into auth.users (id, email, raw_user_meta_data)
         values (gen_random_uuid(), 'guest-' || gen_random_uuid() || '@local.test',
                 jsonb_build_object('full_name', ${name}::text, 'date_of_birth', '1995-06-15'))
         returning id`
    );
    userId = row.id;
  } else if (isUuid(body.user_id)) {
    userId = body.user_id;
  } else {
    throw invalid("sign in with user_id (a seeded user) or guest_name (a new guest)");
  }
  const [user] = await asOwner((tx) =>
    tx`select id, email, raw_user_meta_data ->> 'full_name' as name, raw_user_meta_data as metadata
       from auth.users where id = ${userId}`
  );
  if (!user) throw invalid("no such user", 404);
  // the claims Supabase Auth puts in an access token (user_metadata names a new guest record)
  const accessToken = await localToken({
    sub: user.id,
    role: "authenticated",
    aal: "aal1",
    email: user.email,
    user_metadata: user.metadata ?? {},
  });
  delete user.metadata;
  return json(200, { access_token: accessToken, token_type: "bearer", user });
}
