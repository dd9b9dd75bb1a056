// The local stack `make serve` puts beside the Edge Functions on one port, so the door board
// and supabase-js work over the local database as they do over a project: the board's static
// files at `/`, `/config.json` (this stack's URL and anon key), PostgREST's `/rest/v1/rpc/*`,
// Realtime's `/realtime/v1/websocket` and a local-only sign-in under `/auth/v1/local/`.
import { acceptRealtimeSocket } from "./realtime.ts";
import { databaseFeed } from "./feed.ts";
import { localAnonKey, localSignIn, localUsers } from "./auth.ts";
import { rpc } from "./rest.ts";
import { corsHeaders, handle, json } from "../_shared/http.ts";

const BOARD = new URL("../../../clients/typescript/board/", import.meta.url);
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
  map: "application/json",
};

/** A file of the board (index.html for `/`); 404 for anything outside its folder. */
async function boardFile(path: string): Promise<Response> {
  const name = path === "/" ? "index.html" : path.replace(/^\/board\//, "");
  if (!/^[a-z0-9_-]+(\/[a-z0-9_-]+)*\.[a-z]+$/i.test(name)) return new Response("not found", { status: 404 });
  try {
    const body = await Deno.readFile(new URL(name, BOARD));
    const type = TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream";
    return new Response(body, { headers: { "Content-Type": type, "Cache-Control": "no-store" } });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Response("not found", { status: 404 });
    throw error;
  }
}

/** The local stack's answer for a request, or null when it is an Edge Function's. */
export function localRoute(req: Request): Promise<Response> | null {
  const path = new URL(req.url).pathname;
  if (path === "/" || path.startsWith("/board/")) return boardFile(path);
  if (path === "/config.json") {
    return localAnonKey().then((anonKey) =>
      json(200, { supabase_url: new URL(req.url).origin, anon_key: anonKey, local: true })
    );
  }
  const rpcName = path.match(/^\/rest\/v1\/rpc\/([^/]+)$/)?.[1];
  if (rpcName !== undefined) return handle((r) => rpc(r, rpcName))(req);
  if (path === "/realtime/v1/websocket") return Promise.resolve(acceptRealtimeSocket(req, databaseFeed));
  if (path === "/auth/v1/local/users") return handle(() => localUsers())(req);
  if (path === "/auth/v1/local/sign-in") {
    if (req.method === "OPTIONS") return Promise.resolve(new Response(null, { status: 204, headers: corsHeaders }));
    return handle(localSignIn)(req);
  }
  return null;
}
