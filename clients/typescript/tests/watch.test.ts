// watchAvailability over real supabase-js clients and the real database: snapshots and replays
// come from the database through the local PostgREST stand-in; Broadcast frames come from the
// local Realtime stand-in in exactly the shape Supabase Realtime sends them (payload `id`,
// metadata id, binary user broadcasts for vsn 2.0.0), here scripted by the test: out of order,
// duplicated, with gaps, and across a dropped connection.
import assert from "node:assert/strict";
import { databaseFeed } from "../../../supabase/functions/_local/feed.ts";
import type { BroadcastMessage, RealtimeBackend, Topic } from "../../../supabase/functions/_local/realtime.ts";
import {
  type AvailabilityWatch,
  Backoff,
  BookingClient,
  broadcastListener,
  channelName,
  countdownAt,
  SectionNotAvailable,
  type Signal,
  type WatchOptions,
  type WatchUpdate,
} from "../src/mod.ts";
import {
  channelEvents,
  closePools,
  CLUB_ID,
  db,
  dbTest,
  eventually,
  guest,
  LocalStack,
  night,
  refusal,
  staffToken,
  table,
  VENUE_ID,
} from "./helpers.ts";

/** A Realtime backend whose frames the test sends: joins are authorised as the local stack does. */
class ScriptedRealtime implements RealtimeBackend {
  private readonly deliverers = new Map<string, (message: BroadcastMessage) => void>();
  authorize(topic: Topic, accessToken: string | null): Promise<boolean> {
    return databaseFeed.authorize(topic, accessToken);
  }
  subscribe(topic: Topic, _accessToken: string | null, deliver: (message: BroadcastMessage) => void): () => void {
    this.deliverers.set(topic.name, deliver);
    return () => this.deliverers.delete(topic.name);
  }
  joined(channel: string): boolean {
    return this.deliverers.has(channel);
  }
  /** Send one database broadcast (its payload as realtime.send() got it) on a channel. */
  send(channel: string, payload: Record<string, unknown>): void {
    this.deliverers.get(channel)?.({ id: crypto.randomUUID(), event: "availability.updated", payload });
  }
}

/** Everything a watch did, in order. */
class Recorder {
  readonly updates: WatchUpdate[] = [];
  readonly on = (update: WatchUpdate) => this.updates.push(update);
  get appliedVersions(): number[] {
    return this.updates.filter((update) => update.kind === "event").map((update) => update.event!.version);
  }
  count(kind: WatchUpdate["kind"]): number {
    return this.updates.filter((update) => update.kind === kind).length;
  }
}

/** A guest of their own holds a table now (one event on the slot's channel). */
async function holdAs(stack: LocalStack, date: string, tableNumber: number, partySize = 2): Promise<string> {
  const client = new BookingClient(await stack.client((await guest(`Guest ${tableNumber}`)).token));
  const held = await client.holdTables({
    venueId: VENUE_ID,
    date,
    slotId: "slot_21_00",
    tableIds: [table(tableNumber)],
    partySize,
  });
  return held.booking_id;
}

const stateOf = (watch: AvailabilityWatch, tableNumber: number) =>
  watch.availability!.tables.find((row) => row.table_id === table(tableNumber))!.state;

/** One watch of slot_21_00 on a night of its own, over a stack whose Realtime the test scripts. */
interface Scene {
  stack: LocalStack;
  realtime: ScriptedRealtime;
  date: string;
  channel: string;
  recorder: Recorder;
  client: BookingClient;
  watch: AvailabilityWatch;
}

/** Run `body` in a scene once the watch is live; stop everything after. */
async function inScene(
  weeks: number,
  options: Partial<WatchOptions> & { vsn?: "1.0.0" | "2.0.0"; accessToken?: string; scripted?: boolean },
  body: (scene: Scene) => Promise<void>,
): Promise<void> {
  const { vsn, accessToken, scripted = true, ...watchOptions } = options;
  const realtime = new ScriptedRealtime();
  const stack = scripted ? LocalStack.start(realtime) : LocalStack.start(); // else fed by the database
  const date = night(weeks);
  const channel = channelName(CLUB_ID, VENUE_ID, date, "slot_21_00");
  const recorder = new Recorder();
  const client = new BookingClient(await stack.client(accessToken, vsn));
  const watch = await client.watchAvailability(VENUE_ID, date, "slot_21_00", {
    onUpdate: recorder.on,
    silenceMs: 60_000,
    reportEveryMs: 0,
    ...watchOptions,
  });
  try {
    await eventually(() => watch.status === "live" && (!scripted || realtime.joined(channel)), 5000, "live");
    await body({ stack, realtime, date, channel, recorder, client, watch });
  } finally {
    await watch.stop();
    await stack.stop();
  }
}

for (const vsn of ["2.0.0", "1.0.0"] as const) {
  dbTest(
    `events apply in version order: out of order, duplicated, a gap replayed (Phoenix vsn ${vsn})`,
    () =>
      inScene(
        vsn === "2.0.0" ? 10 : 11,
        { vsn, gapWaitMs: 150 },
        async ({ stack, realtime, date, channel, recorder, client, watch }) => {
          const start = watch.availability!.version;
          for (const n of [1, 2, 7, 9]) await holdAs(stack, date, n);
          const events = (await channelEvents(channel)).filter((event) => event.version > start);
          assert.equal(events.length, 4);
          const [first, second, , fourth] = events.map((event) => event.payload);

          realtime.send(channel, second); // early: waits for the one before it
          realtime.send(channel, second); // duplicated
          realtime.send(channel, first);
          await eventually(() => watch.availability!.version === start + 2, 3000, "v+2");
          assert.deepEqual(recorder.appliedVersions, [start + 1, start + 2]);
          realtime.send(channel, first); // a late repeat of one already shown

          realtime.send(channel, fourth); // the third never comes: replayed from get_availability_events
          await eventually(() => watch.availability!.version === start + 4, 3000, "v+4 after the replay");
          assert.deepEqual(recorder.appliedVersions, [start + 1, start + 2, start + 3, start + 4]);
          assert.equal(recorder.count("snapshot"), 1, "the replay filled the gap: no second snapshot");
          for (const n of [1, 2, 7, 9]) assert.equal(stateOf(watch, n), "unavailable");
          const fresh = await client.getAvailability(VENUE_ID, date, "slot_21_00");
          assert.deepEqual(watch.availability!.tables.map((row) => row.state), fresh.tables.map((row) => row.state));
        },
      ),
  );
}

dbTest(
  "a gap the events table can no longer fill takes a fresh snapshot",
  () =>
    inScene(12, { gapWaitMs: 100 }, async ({ stack, realtime, date, channel, recorder, watch }) => {
      const start = watch.availability!.version;
      await holdAs(stack, date, 3, 4);
      await holdAs(stack, date, 4, 4);
      // the first of the two is gone from the events table (as pruning would do)
      await db()`delete from public.availability_events where channel = ${channel} and version = ${start + 1}`;
      const left = (await channelEvents(channel)).filter((event) => event.version > start);
      assert.deepEqual(left.map((event) => event.version), [start + 2]);
      realtime.send(channel, left[0].payload);
      await eventually(() => recorder.count("snapshot") === 2, 3000, "a fresh snapshot");
      assert.equal(watch.availability!.version, start + 2);
      assert.equal(stateOf(watch, 3), "unavailable");
      assert.equal(stateOf(watch, 4), "unavailable");
    }),
);

dbTest(
  "after a dropped connection it shows refreshing, reconnects and resyncs without a missed change",
  () =>
    inScene(13, { backoff: new Backoff(50, 200) }, async ({ stack, date, recorder, watch }) => {
      stack.dropSockets();
      await eventually(() => watch.status === "refreshing", 5000, "refreshing");
      await holdAs(stack, date, 9); // while nobody hears the channel
      await eventually(() => watch.status === "live", 15_000, "live again");
      await eventually(() => stateOf(watch, 9) === "unavailable", 3000, "the change made while disconnected");
      const statuses = recorder.updates.filter((update) => update.kind === "status").map((update) => update.status);
      assert.deepEqual(statuses.slice(0, 3), ["live", "refreshing", "live"]);
      const batch = watch.metrics.take();
      assert.equal(batch?.resyncs, 1, "the reconnect compared the stream with a fresh snapshot");
      assert.equal(batch?.mismatched_resyncs, 0);
    }),
);

dbTest(
  "after silence it resyncs, and a stream that disagrees with the snapshot counts as a mismatch",
  () =>
    inScene(14, { silenceMs: 400 }, async ({ stack, realtime, date, channel, watch }) => {
      await holdAs(stack, date, 10);
      const [real] = (await channelEvents(channel)).slice(-1);
      // a wrong event with the right version: table 11 "blocked" instead of table 10 held
      realtime.send(channel, {
        ...real.payload,
        table_id: table(11),
        sectionId: table(11),
        new_state: "blocked",
        newState: "blocked",
      });
      await eventually(() => stateOf(watch, 11) === "blocked", 3000, "the wrong event applied");
      await eventually(
        () => stateOf(watch, 11) === "available" && stateOf(watch, 10) === "unavailable",
        3000,
        "resync",
      );
      const batch = watch.metrics.take();
      assert.ok(batch && batch.resyncs >= 1 && batch.mismatched_resyncs >= 1, JSON.stringify(batch));
    }),
);

dbTest(
  "staff watch the private channel with the true state and who changed it; anon may not join it",
  async () =>
    await inScene(15, { accessToken: await staffToken("host"), scripted: false }, async ({ stack, date, watch }) => {
      assert.equal(watch.availability!.view, "staff");
      const started = Date.now();
      await holdAs(stack, date, 12, 4);
      await eventually(() => stateOf(watch, 12) === "held", 2000, "the hold on the staff board within 2 s");
      assert.ok(Date.now() - started < 2000);
      const row = watch.availability!.tables.find((t) => t.table_id === table(12))!;
      // events say who by id and role, never by name (the staff snapshot names them when read)
      assert.ok(row.changed_by, "who, by id");
      assert.equal(row.changed_by_role, "customer");
      const batch = watch.metrics.take();
      assert.equal(batch?.latencies_ms.length, 1, "the live event's delivery latency was measured");

      const signals: Signal[] = [];
      const listener = broadcastListener(await stack.client(), { private: true });
      await listener.open(watch.availability!.channel, (signal) => signals.push(signal));
      await eventually(() => signals.length > 0, 5000, "an answer to the join");
      assert.equal(signals[0].type, "lost");
      await listener.close();
    }),
);

dbTest("a hold refused for tables the watch showed free is a stale-state failure, resynced and reported", async () => {
  const { token } = await guest("Stale Guest");
  let date = "";
  // the scripted Realtime hears nothing: the watch goes stale
  await inScene(16, { accessToken: token }, async ({ stack, client, watch, ...scene }) => {
    date = scene.date;
    // reports come from the night's guests: this one has a booking that night (another slot)
    await client.holdTables({ venueId: VENUE_ID, date, slotId: "slot_23_30", tableIds: [table(9)], partySize: 2 });
    await holdAs(stack, date, 13, 6);
    assert.equal(stateOf(watch, 13), "available", "the watch has not heard of it");
    const refused = await refusal(
      client.holdTables({ venueId: VENUE_ID, date, slotId: "slot_21_00", tableIds: [table(13)], partySize: 6 }),
    );
    assert.ok(refused instanceof SectionNotAvailable);
    assert.ok(refused.alternatives.length > 0, "with alternatives");
    await eventually(() => stateOf(watch, 13) === "unavailable", 3000, "the resync after the refusal");
  }); // stopping the watch sends its batch
  const [metrics] = await db()`select private.client_night_figures(${VENUE_ID}, ${date}) as figures`;
  assert.equal(metrics.figures.stale_hold_refusals, 1);
  assert.equal(metrics.figures.resyncs, 1);
});

Deno.test("a hold's countdown counts whole seconds down to expired", () => {
  const expires = "2026-11-27T21:05:00.000Z";
  assert.deepEqual(countdownAt(expires, Date.parse("2026-11-27T21:00:00.000Z")), {
    secondsLeft: 300,
    label: "5:00",
    expired: false,
  });
  assert.deepEqual(countdownAt(expires, Date.parse("2026-11-27T21:04:50.500Z")), {
    secondsLeft: 10,
    label: "0:10",
    expired: false,
  });
  assert.deepEqual(countdownAt(expires, Date.parse("2026-11-27T21:05:01.000Z")), {
    secondsLeft: 0,
    label: "0:00",
    expired: true,
  });
});

Deno.test("backoff doubles up to its cap, with equal jitter", () => {
  const low = new Backoff(200, 10_000, () => 0);
  const high = new Backoff(200, 10_000, () => 1);
  assert.deepEqual([0, 1, 2, 10].map((n) => low.delay(n)), [100, 200, 400, 5000]);
  assert.deepEqual([0, 1, 2, 10].map((n) => high.delay(n)), [200, 400, 800, 10_000]);
});

closePools();
