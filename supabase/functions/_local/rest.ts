// A local stand-in for PostgREST's `/rest/v1/rpc/<name>`, for `make serve` and the TypeScript
// client's tests, so supabase-js's `supabase.rpc()` works over the local database exactly as it
// does against a project: the caller's JWT (verified with the local secret) becomes the
// transaction's role and request.jwt.claims, the named arguments go in as PostgREST passes them
// (json_to_record over the body, only the arguments given, so defaults apply), and an error
// comes back as PostgREST's body {code, message, details, hint} with its HTTP status (PTxyz ->
// xyz). Only POST with a JSON object body, as supabase-js sends. Never deployed.
import postgres from "postgres";
import { authenticate } from "../_shared/auth.ts";
import { asOwner, runAs } from "../_shared/db.ts";
import { ApiError, corsHeaders, json, parseObject, readText, requestId } from "../_shared/http.ts";

interface Signature {
  names: string[];
  types: string[];
  returnsSet: boolean;
}

/** The public function's named input arguments and whether it returns a set (null if none). */
async function signature(name: string): Promise<Signature | null> {
  const rows = await asOwner((tx) =>
    tx`select p.proretset as returns_set,
              coalesce((p.proargnames)[1:p.pronargs], '{}') as names,
              array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes::oid[]) t) as types
       from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and p.proname = ${name}
       order by p.pronargs desc limit 1`
  );
  const row = rows[0];
  return row ? { names: row.names, types: row.types, returnsSet: row.returns_set } : null;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** PostgREST's status for a database error: PTxyz is xyz; the rest as PostgREST maps them. */
function statusOf(code: string, anonymous: boolean): number {
  const pt = code.match(/^PT(\d{3})$/)?.[1];
  if (pt) return Number(pt);
  if (code === "42501") return anonymous ? 401 : 403;
  if (code === "42883" || code === "42P01") return 404;
  if (code === "23505" || code === "23503" || code === "23P01") return 409;
  if (code.startsWith("22") || code.startsWith("23") || code === "P0001") return 400;
  return 500;
}

function postgrestError(status: number, code: string, message: string, details: string | null = null): Response {
  return json(status, { code, message, details, hint: null });
}

/** Answer `POST /rest/v1/rpc/<name>`. */
export async function rpc(req: Request, name: string): Promise<Response> {
  if (req.method === "OPTIONS") {
    return new Response(null, { status: 204, headers: { ...corsHeaders, "Access-Control-Allow-Methods": "POST" } });
  }
  if (req.method !== "POST") return postgrestError(405, "PGRST117", `Unsupported HTTP method: ${req.method}`);
  let claims;
  try {
    claims = await authenticate(req);
  } catch (error) {
    if (error instanceof ApiError) return postgrestError(401, "PGRST301", error.message);
    throw error;
  }
  const fn = /^[a-z_][a-z0-9_]{0,62}$/.test(name) ? await signature(name) : null;
  if (!fn) return postgrestError(404, "PGRST202", `Could not find the function public.${name} in the schema cache`);
  let args: Record<string, unknown>;
  try {
    args = parseObject(await readText(req));
  } catch (error) {
    if (error instanceof ApiError) return postgrestError(400, "PGRST102", error.message);
    throw error;
  }
  const given = fn.names.filter((argName) => argName in args);
  const unknown = Object.keys(args).filter((key) => !fn.names.includes(key));
  if (unknown.length > 0) {
    return postgrestError(
      404,
      "PGRST202",
      `Could not find the function public.${name}(${Object.keys(args).join(", ")})`,
    );
  }
  const record = given.map((argName) => `${quote(argName)} ${fn.types[fn.names.indexOf(argName)]}`).join(", ");
  const call = `public.${quote(name)}(${
    given.map((argName) => `${quote(argName)} => _args.${quote(argName)}`).join(", ")
  })`;
  const from = given.length > 0 ? `json_to_record($1::text::json) as _args(${record})` : `(select $1::text) as _args`;
  const query = fn.returnsSet
    ? `select coalesce(jsonb_agg(to_jsonb(r)), '[]'::jsonb) as result from ${from}, lateral ${call} r`
    : `select to_jsonb(${call}) as result from ${from}`;
  try {
    const rows = await runAs(claims, requestId(req), (tx) => tx.unsafe(query, [JSON.stringify(args)]));
    return json(200, rows[0]?.result ?? null);
  } catch (error) {
    if (!(error instanceof postgres.PostgresError)) throw error;
    return postgrestError(
      statusOf(error.code, claims.role === "anon"),
      error.code,
      error.message,
      error.detail ?? null,
    );
  }
}
