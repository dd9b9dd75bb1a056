// Test helpers: the local stack (make serve's PostgREST rpc, Realtime and sign-in stand-ins)
// served in-process over DATABASE_URL (a migrated, seeded database of this suite's own), real
// supabase-js clients against it, and a superuser connection to look at the database.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { route } from "../../../supabase/functions/serve.ts";
import { db } from "../../../supabase/functions/tests/helpers.ts";
import { localAnonKey } from "../../../supabase/functions/_local/auth.ts";
import { databaseFeed, stopFeeds } from "../../../supabase/functions/_local/feed.ts";
import { acceptRealtimeSocket, type RealtimeBackend } from "../../../supabase/functions/_local/realtime.ts";
import type { Database } from "../src/database.types.ts";

export {
  closePools,
  CLUB_ID,
  db,
  dbTest,
  guest,
  night,
  staffToken,
  table,
  VENUE_ID,
} from "../../../supabase/functions/tests/helpers.ts";

/** The local stack on a loopback port, its Realtime sockets tracked so a test can drop them. */
export class LocalStack {
  private constructor(
    private readonly server: Deno.HttpServer<Deno.NetAddr>,
    readonly url: string,
    readonly sockets: Set<WebSocket>,
  ) {}

  /** The stack, its Realtime fed by the database (as `make serve`) unless another backend is given. */
  static start(realtime: RealtimeBackend = databaseFeed): LocalStack {
    const sockets = new Set<WebSocket>();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      if (new URL(req.url).pathname === "/realtime/v1/websocket") {
        return acceptRealtimeSocket(req, realtime, sockets);
      }
      return route(req);
    });
    return new LocalStack(server, `http://127.0.0.1:${server.addr.port}`, sockets);
  }

  /** A supabase-js client as anon, or with an access token; Phoenix vsn 2.0.0 unless told. */
  async client(accessToken?: string, vsn: "1.0.0" | "2.0.0" = "2.0.0"): Promise<SupabaseClient<Database>> {
    const anonKey = await localAnonKey();
    const options = { realtime: { vsn, params: { log_level: "error" } } };
    if (!accessToken) return createClient<Database>(this.url, anonKey, options);
    return createClient<Database>(this.url, anonKey, { ...options, accessToken: () => Promise.resolve(accessToken) });
  }

  /** Drop every Realtime socket, as a network failure would. */
  dropSockets(): void {
    for (const socket of this.sockets) socket.close(1001, "going away");
  }

  async stop(): Promise<void> {
    this.dropSockets();
    stopFeeds();
    await this.server.shutdown();
  }
}

/** The events of a channel as the database wrote them: public and staff payloads by version. */
export async function channelEvents(channel: string): Promise<
  { version: number; payload: Record<string, unknown>; staff_payload: Record<string, unknown> }[]
> {
  const rows = await db()`select version, payload, staff_payload from public.availability_events
                          where channel = ${channel} order by version`;
  return rows.map((row) => ({ version: Number(row.version), payload: row.payload, staff_payload: row.staff_payload }));
}

/** What a promise was rejected with (null if it was not). */
export function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => null, (error) => error);
}

/** Wait until `check` holds (polling every 20 ms), or fail after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
