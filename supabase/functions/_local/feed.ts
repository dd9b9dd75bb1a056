// What the local Realtime stand-in hears: the availability events the committing transactions
// wrote (public.availability_events, the same rows whose payloads realtime.send() broadcasts:
// `payload` on the public channel, `staff_payload` on the private one), tailed every
// POLL_MS per joined channel. A channel's versions are gap-free and committed in order, so
// "version > the last one sent" never skips a commit. Joins are authorised as Realtime does
// it: a probe row in realtime.messages read back under RLS as the caller, with realtime.topic
// set; public channels are open to anyone.
import { authenticate } from "../_shared/auth.ts";
import { asOwner, type Tx } from "../_shared/db.ts";
import type { BroadcastMessage, RealtimeBackend, Topic } from "./realtime.ts";

const POLL_MS = 50;

interface Feed {
  after: number;
  subscribers: Set<(message: BroadcastMessage) => void>;
  timer: ReturnType<typeof setInterval>;
}

const feeds = new Map<string, Feed>();
const feedKey = (topic: Topic) => `${topic.private ? "private" : "public"}|${topic.name}`;

async function callerClaims(token: string | null) {
  return await authenticate(
    new Request("http://local/", { headers: token ? { Authorization: `Bearer ${token}` } : {} }),
  );
}

async function poll(topic: Topic, feed: Feed): Promise<void> {
  const rows = await asOwner((tx: Tx) =>
    tx`select e.version, case when ${topic.private} then e.staff_payload else e.payload end as payload
       from public.availability_events e
       where e.channel = ${topic.name} and e.version > ${feed.after}
       order by e.version`
  );
  for (const row of rows) {
    feed.after = Number(row.version);
    const message = { id: crypto.randomUUID(), event: "availability.updated", payload: row.payload };
    for (const deliver of feed.subscribers) deliver(message);
  }
}

export const databaseFeed: RealtimeBackend = {
  async authorize(topic, accessToken) {
    if (!topic.private) return true;
    let claims;
    try {
      claims = await callerClaims(accessToken);
    } catch {
      return false;
    }
    if (claims.role !== "authenticated") return false;
    // Realtime's check: insert a probe as the server, read it back as the caller, roll back.
    try {
      await asOwner(async (tx: Tx) => {
        const [probe] = await tx`insert into realtime.messages (topic, extension, private, event, payload)
                                 values (${topic.name}, 'broadcast', true, 'probe', '{}') returning id`;
        const seen = await runAsWithin(tx, claims, topic.name, probe.id);
        throw new Probe(seen);
      });
    } catch (error) {
      if (error instanceof Probe) return error.seen;
      throw error;
    }
    return false;
  },

  subscribe(topic, _accessToken, deliver) {
    const key = feedKey(topic);
    let feed = feeds.get(key);
    if (!feed) {
      let busy = false;
      const created: Feed = {
        after: Number.POSITIVE_INFINITY, // until the channel's current version is known
        subscribers: new Set(),
        timer: setInterval(() => {
          if (busy || !Number.isFinite(created.after)) return;
          busy = true;
          poll(topic, created).catch((error) => console.error("local realtime feed:", error)).finally(() =>
            busy = false
          );
        }, POLL_MS),
      };
      asOwner((tx: Tx) =>
        tx`select coalesce(max(version), 0) as version from public.availability_events where channel = ${topic.name}`
      ).then(([row]) => created.after = Number(row.version));
      feeds.set(key, created);
      feed = created;
    }
    const active = feed;
    active.subscribers.add(deliver);
    return () => {
      active.subscribers.delete(deliver);
      if (active.subscribers.size === 0) {
        clearInterval(active.timer);
        feeds.delete(key);
      }
    };
  },
};

/** Carries the probe's answer out of the transaction it rolls back. */
class Probe extends Error {
  constructor(readonly seen: boolean) {
    super("probe");
  }
}

async function runAsWithin(tx: Tx, claims: Record<string, unknown>, topic: string, probeId: string): Promise<boolean> {
  await tx`select set_config('role', 'authenticated', true),
                  set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                  set_config('realtime.topic', ${topic}, true)`;
  const rows = await tx`select 1 from realtime.messages where id = ${probeId} and extension = 'broadcast'`;
  return rows.length === 1;
}

/** Stop every feed (tests). */
export function stopFeeds(): void {
  for (const feed of feeds.values()) clearInterval(feed.timer);
  feeds.clear();
}
