// Test helpers: the local stack (make serve's PostgREST rpc, Realtime and sign-in stand-ins)
// served in-process over DATABASE_URL (a migrated, seeded database of this suite's own), real
// supabase-js clients against it, and a superuser connection to look at the database.
import postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { route } from "../../../supabase/functions/serve.ts";
import { closeDatabase } from "../../../supabase/functions/_shared/db.ts";
import { localAnonKey, localToken } from "../../../supabase/functions/_local/auth.ts";
import { databaseFeed, stopFeeds } from "../../../supabase/functions/_local/feed.ts";
import { acceptRealtimeSocket, type RealtimeBackend } from "../../../supabase/functions/_local/realtime.ts";
import type { Database } from "../src/database.types.ts";

Deno.env.set("SUPABASE_JWT_SECRET", "ts-client-test-secret-with-at-least-32-characters");

export const CLUB_ID = "11111111-1111-4111-8111-111111111111";
export const VENUE_ID = "22222222-2222-4222-8222-222222222222";
export const STAFF = {
  admin: "55555555-5555-4555-8555-555555555501",
  manager: "55555555-5555-4555-8555-555555555502",
  host: "55555555-5555-4555-8555-555555555503",
  door: "55555555-5555-4555-8555-555555555504",
} as const;
export const table = (n: number) => `44444444-4444-4444-8444-4444444444${String(n).padStart(2, "0")}`;

/** The Friday `weeks` weeks ahead (the club opens Fridays and Saturdays), as YYYY-MM-DD. */
export function night(weeks: number): string {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + 7 * weeks + ((5 - day.getUTCDay() + 7) % 7));
  return day.toISOString().slice(0, 10);
}

let admin: postgres.Sql | null = null;

/** A superuser connection to the database under test. */
export function db(): postgres.Sql {
  if (admin === null) {
    const url = Deno.env.get("DATABASE_URL");
    if (!url) throw new Error("DATABASE_URL must name the database under test");
    admin = postgres(url, { max: 2, onnotice: () => {} });
  }
  return admin;
}

/** A test with the sanitizers off: pools, sockets and supabase-js timers outlive one test. */
export function dbTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}

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

  /** A supabase-js client as anon, or as a user (the local sign-in's token); Phoenix vsn 2.0.0 unless told. */
  async client(userId?: string, vsn: "1.0.0" | "2.0.0" = "2.0.0"): Promise<SupabaseClient<Database>> {
    const anonKey = await localAnonKey();
    const options = { realtime: { vsn, params: { log_level: "error" } } };
    if (!userId) return createClient<Database>(this.url, anonKey, options);
    const token = await localToken({ sub: userId, role: "authenticated", aal: "aal1" });
    return createClient<Database>(this.url, anonKey, { ...options, accessToken: () => Promise.resolve(token) });
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

/** A new adult guest account; returns its id. */
export async function createGuest(name: string): Promise<string> {
  const [row] = await db()`insert into auth.users (id, email, raw_user_meta_data)
    values (gen_random_uuid(), ${name.toLowerCase().replaceAll(" ", ".") + "." + crypto.randomUUID() + "@test.example"},
            jsonb_build_object('full_name', ${name}::text, 'date_of_birth', '1995-06-15'))
    returning id`;
  return row.id;
}

/** The events of a channel as the database wrote them: public and staff payloads by version. */
export async function channelEvents(channel: string): Promise<
  { version: number; payload: Record<string, unknown>; staff_payload: Record<string, unknown> }[]
> {
  const rows = await db()`select version, payload, staff_payload from public.availability_events
                          where channel = ${channel} order by version`;
  return rows.map((row) => ({ version: Number(row.version), payload: row.payload, staff_payload: row.staff_payload }));
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

/** Close the pools: the last test of each file. */
export function closePools(): void {
  dbTest("(close the database pools)", async () => {
    await closeDatabase();
    await admin?.end({ timeout: 5 });
    admin = null;
  });
}
