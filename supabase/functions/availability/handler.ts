// GET /v1/clubs/:clubId/venues/:venueId/availability?date=YYYY-MM-DD&slotId=...
// The seed's snapshot endpoint: public.get_availability as the caller (or anon), plus what
// the realtime subscription that follows needs (channel, event, version). The ETag is the
// channel version plus a digest of the body, because the body also changes without a new
// version when a hold lapses before the sweeper runs, and differs by role.
import { authenticate } from "../_shared/auth.ts";
import { asCaller } from "../_shared/db.ts";
import { checkMethod, corsHeaders, handle, invalid, isUuid, parseDate, requestId } from "../_shared/http.ts";

const ROUTE = /\/clubs\/([^/]+)\/venues\/([^/]+)\/availability\/?$/;
const MAX_AGE_SECONDS = 5;

async function digest(text: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(hash.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether If-None-Match names this entity tag (weak comparison, as RFC 9110 says for GET). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === opaque(etag));
}

export const handler = handle(async (req) => {
  const preflight = checkMethod(req, ["GET", "HEAD"]);
  if (preflight) return preflight;
  const url = new URL(req.url);
  const route = url.pathname.match(ROUTE);
  if (!route) throw invalid("no such route: GET /v1/clubs/:clubId/venues/:venueId/availability", 404);
  const [, clubId, venueId] = route;
  if (!isUuid(clubId) || !isUuid(venueId)) throw invalid("unknown venue", 404);
  const date = parseDate(url.searchParams.get("date"), "date");
  const slotId = url.searchParams.get("slotId");
  if (!slotId) throw invalid("slotId is required");

  const claims = await authenticate(req);
  const [{ snapshot }] = await asCaller(
    claims,
    requestId(req),
    (tx) => tx`select public.get_availability(${venueId}::uuid, ${date}::date, ${slotId}) as snapshot`,
  );
  if (String(snapshot.club_id).toLowerCase() !== clubId.toLowerCase()) {
    throw invalid("unknown venue", 404);
  }
  const body = JSON.stringify({
    ...snapshot,
    realtime: {
      channel: snapshot.channel,
      event: "availability.updated",
      private: snapshot.view === "staff",
      version: snapshot.version,
    },
  });
  const etag = `"${snapshot.version}-${await digest(body)}"`;
  const headers = {
    ...corsHeaders,
    "Content-Type": "application/json; charset=utf-8",
    ETag: etag,
    // A signed-in caller's view may be theirs alone: shared caches must not keep it.
    "Cache-Control": `${claims.role === "anon" ? "public" : "private"}, max-age=${MAX_AGE_SECONDS}, must-revalidate`,
    Vary: "Authorization",
  };
  if (matches(req.headers.get("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(req.method === "HEAD" ? null : body, { status: 200, headers });
});
