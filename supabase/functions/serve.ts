// `make serve`: the three functions on one loopback port for local work, routed by the first
// path segment as Supabase routes /functions/v1/<name>/... (that prefix is accepted too):
//   GET  /availability/v1/clubs/:clubId/venues/:venueId/availability?date=...&slotId=...
//   POST /bookings, /bookings/:id/submit, /bookings/:id/cancel, /bookings/:id/payment-intent
//   POST /stripe-webhook
// and beside them the local stack (_local/routes.ts): the door board at `/`, PostgREST's
// /rest/v1/rpc/*, Realtime's /realtime/v1/websocket and a local-only sign-in.
// Run with `deno serve --host 127.0.0.1 serve.ts` (deno.json's `serve` task).
import { handler as availability } from "./availability/handler.ts";
import { handler as bookings } from "./bookings/handler.ts";
import { handler as stripeWebhook } from "./stripe-webhook/handler.ts";
import { errorResponse, invalid } from "./_shared/http.ts";
import { localRoute } from "./_local/routes.ts";

const functions: Record<string, (req: Request) => Promise<Response>> = {
  availability,
  bookings,
  "stripe-webhook": stripeWebhook,
};

/** Route a request to the local stack or to its function, as Supabase's gateway does. */
export function route(req: Request): Promise<Response> {
  const local = localRoute(req);
  if (local !== null) return local;
  const url = new URL(req.url);
  const path = url.pathname.replace(/^\/functions\/v1(?=\/)/, "");
  const name = path.split("/")[1] ?? "";
  const fn = functions[name];
  if (!fn) return Promise.resolve(errorResponse(invalid(`no function ${name}`, 404)));
  url.pathname = path;
  return fn(new Request(url, req));
}

export default { fetch: route } satisfies Deno.ServeDefaultExport;
