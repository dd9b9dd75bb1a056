// watchAvailability: a slot's snapshot, then its events, and never a missed change.
//
// The database gives every change of a slot a version on its channel (1, 2, 3, ... with no gap,
// in commit order); the snapshot carries the version it shows. The watcher applies events
// strictly in version order:
//  * the next version is applied at once; an older or repeated one is dropped;
//  * a later one waits up to `gapWaitMs` for the versions before it (Broadcast may reorder),
//    then the gap is replayed from get_availability_events; a gap the events table can no
//    longer fill (pruned) takes a fresh snapshot;
//  * once subscribed it replays whatever committed since the snapshot (listen first, then
//    replay: nothing falls between the two);
//  * after a reconnect, and after `silenceMs` with nothing heard, it resyncs: replays, then
//    compares the folded state with a fresh snapshot (the mismatch seed 003 asks to measure)
//    and shows the snapshot;
//  * a lost subscription shows `refreshing` and reopens with exponential backoff and jitter.
import { applyEvent, mismatchedTables, parseEvent } from "./availability.ts";
import { ClientMetrics, type MetricsBatch } from "./metrics.ts";
import type { Availability, AvailabilityEvent } from "./results.ts";

/** Where snapshots and replays come from (BookingClient). */
export interface AvailabilitySource {
  getAvailability(venueId: string, date: string, slotId: string): Promise<Availability>;
  getAvailabilityEvents(channel: string, afterVersion: number): Promise<AvailabilityEvent[]>;
  reportClientMetrics?(venueId: string, date: string, batch: MetricsBatch): Promise<void>;
}

/** What a listener tells the watcher. */
export type Signal =
  | { type: "event"; event: AvailabilityEvent }
  | { type: "subscribed" }
  | { type: "lost"; error: unknown };

/** How the watcher hears a channel: Supabase Broadcast (broadcastListener) or a stand-in. */
export interface Listener {
  open(channel: string, signal: (signal: Signal) => void): Promise<void>;
  close(): Promise<void>;
}

/** `live`: subscribed and caught up; `refreshing`: the link is down or a resync is running. */
export type WatchStatus = "connecting" | "live" | "refreshing" | "stopped";

export interface WatchUpdate {
  kind: "snapshot" | "event" | "status";
  availability: Availability | null;
  status: WatchStatus;
  event?: AvailabilityEvent;
  error?: unknown;
}

/** Exponential backoff with equal jitter: attempt n waits between d/2 and d, d = min(cap, base * 2^n). */
export class Backoff {
  constructor(readonly baseMs = 200, readonly capMs = 10_000, readonly random: () => number = Math.random) {}
  delay(attempt: number): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(attempt, 30));
    return ceiling / 2 + this.random() * ceiling / 2;
  }
}

export interface WatchOptions {
  /** How events arrive (a new listener per connection). */
  listen: () => Listener;
  onUpdate?: (update: WatchUpdate) => void;
  /** How long a version gap waits for late events before a replay (ms). */
  gapWaitMs?: number;
  /** Resync after this long with nothing heard (ms). */
  silenceMs?: number;
  backoff?: Backoff;
  metrics?: ClientMetrics;
  /** Report the metrics this often (ms) through the source; 0: never. */
  reportEveryMs?: number;
}

/** A running watch of one slot. */
export class AvailabilityWatch {
  availability: Availability | null = null;
  status: WatchStatus = "connecting";
  readonly metrics: ClientMetrics;
  private readonly subscribers = new Set<(update: WatchUpdate) => void>();
  private readonly pending = new Map<number, AvailabilityEvent>();
  private listener: Listener | null = null;
  private generation = 0;
  private attempt = 0;
  private subscribedOnce = false;
  private work: Promise<void> = Promise.resolve();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private reportTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly source: AvailabilitySource,
    readonly venueId: string,
    readonly date: string,
    readonly slotId: string,
    private readonly options: WatchOptions,
  ) {
    this.metrics = options.metrics ?? new ClientMetrics();
    if (options.onUpdate) this.subscribers.add(options.onUpdate);
  }

  /** Take the snapshot, show it, and subscribe. */
  async start(): Promise<Availability> {
    const snapshot = await this.source.getAvailability(this.venueId, this.date, this.slotId);
    this.availability = snapshot;
    this.emit({ kind: "snapshot" });
    const every = this.options.reportEveryMs ?? 60_000;
    if (every > 0 && this.source.reportClientMetrics) this.reportTimer = setInterval(() => this.report(), every);
    await this.open();
    return snapshot;
  }

  /** Be told of every update; returns the function that stops it. */
  subscribe(fn: (update: WatchUpdate) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Whether every one of these tables shows as available now. */
  showsAvailable(tableIds: readonly string[]): boolean {
    const states = new Map(this.availability?.tables.map((table) => [table.table_id, table.state]) ?? []);
    return tableIds.length > 0 && tableIds.every((id) => states.get(id) === "available");
  }

  /** Compare with a fresh snapshot and show it (also run after a reconnect and after silence). */
  resync(): Promise<void> {
    return this.enqueue(() => this.doResync());
  }

  /** Stop listening, and send what was measured. */
  async stop(): Promise<void> {
    if (this.status === "stopped") return;
    this.status = "stopped";
    this.emit({ kind: "status" });
    this.generation += 1;
    for (const timer of [this.gapTimer, this.silenceTimer, this.reopenTimer]) clearTimeout(timer);
    clearInterval(this.reportTimer);
    await this.listener?.close();
    this.listener = null;
    await this.work;
    await this.report();
  }

  /** Send the metrics so far (kept for the next report when the RPC refuses or fails). */
  async report(): Promise<void> {
    const batch = this.metrics.take();
    if (!batch || !this.source.reportClientMetrics) return;
    try {
      await this.source.reportClientMetrics(this.venueId, this.date, batch);
    } catch {
      this.metrics.restore(batch);
    }
  }

  // ---------- the link ----------

  private async open(): Promise<void> {
    const generation = ++this.generation;
    const listener = this.options.listen();
    this.listener = listener;
    this.armSilence();
    await listener.open(this.availability!.channel, (signal) => {
      if (generation === this.generation) this.onSignal(signal);
    });
  }

  private onSignal(signal: Signal): void {
    this.armSilence();
    if (signal.type === "event") {
      this.enqueue(() => this.receive(signal.event));
    } else if (signal.type === "subscribed") {
      const reconnect = this.subscribedOnce;
      this.subscribedOnce = true;
      this.attempt = 0;
      this.enqueue(async () => {
        if (reconnect) await this.doResync();
        else await this.catchUp();
        this.setStatus("live");
      });
    } else {
      this.lost(signal.error);
    }
  }

  private lost(error: unknown): void {
    if (this.status === "stopped") return;
    this.generation += 1; // whatever the old listener still says is ignored
    const old = this.listener;
    this.listener = null;
    old?.close().catch(() => {});
    this.setStatus("refreshing", error);
    const delay = (this.options.backoff ?? new Backoff()).delay(this.attempt++);
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => {
      if (this.status === "stopped") return;
      this.open().catch((failure) => this.lost(failure));
    }, delay);
  }

  private armSilence(): void {
    clearTimeout(this.silenceTimer);
    if (this.status === "stopped") return;
    this.silenceTimer = setTimeout(() => {
      this.resync().catch(() => {});
      this.armSilence();
    }, this.options.silenceMs ?? 30_000);
  }

  // ---------- applying, strictly in version order ----------

  /** Run one piece of work after the ones before it (events, replays and resyncs never interleave). */
  private enqueue(fn: () => void | Promise<void>): Promise<void> {
    const run = this.work.then(() => this.status === "stopped" ? undefined : fn());
    this.work = run.catch((error) => this.lost(error));
    return run;
  }

  private receive(event: AvailabilityEvent): void {
    const current = this.availability!;
    if (event.version <= current.version) return; // already shown (a duplicate or a replayed one)
    if (event.version === current.version + 1) {
      this.apply(event);
      this.metrics.recordDelivery(event.updated_at);
      this.drainPending();
      return;
    }
    this.pending.set(event.version, event);
    if (this.gapTimer === undefined) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        this.enqueue(() => this.catchUp());
      }, this.options.gapWaitMs ?? 250);
    }
  }

  private apply(event: AvailabilityEvent): void {
    this.availability = applyEvent(this.availability!, event);
    this.emit({ kind: "event", event });
  }

  /** Apply buffered events that are next in line; drop the ones already shown. */
  private drainPending(): void {
    for (;;) {
      const next = this.pending.get(this.availability!.version + 1);
      if (!next) break;
      this.pending.delete(next.version);
      this.apply(next);
      this.metrics.recordDelivery(next.updated_at);
    }
    for (const version of this.pending.keys()) {
      if (version <= this.availability!.version) this.pending.delete(version);
    }
    if (this.pending.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
  }

  /** Replay what the channel has after the shown version; a fresh snapshot if it can't. */
  private async catchUp(): Promise<void> {
    this.drainPending();
    const current = this.availability!;
    const events = await this.source.getAvailabilityEvents(current.channel, current.version);
    for (const event of events.sort((a, b) => a.version - b.version)) {
      if (event.version <= this.availability!.version) continue;
      if (event.version !== this.availability!.version + 1) {
        await this.takeSnapshot();
        break;
      }
      this.apply(event);
    }
    this.drainPending();
  }

  private async takeSnapshot(): Promise<void> {
    this.availability = await this.source.getAvailability(this.venueId, this.date, this.slotId);
    this.emit({ kind: "snapshot" });
    this.drainPending();
  }

  private async doResync(): Promise<void> {
    const fresh = await this.source.getAvailability(this.venueId, this.date, this.slotId);
    // Fold the stream up to the snapshot's version, then compare like with like.
    let folded = this.availability!;
    if (fresh.version > folded.version) {
      const events = await this.source.getAvailabilityEvents(folded.channel, folded.version);
      for (const event of events.sort((a, b) => a.version - b.version)) {
        if (event.version > fresh.version || event.version !== folded.version + 1) break;
        folded = applyEvent(folded, event);
      }
    }
    if (folded.version === fresh.version) this.metrics.recordResync(mismatchedTables(folded, fresh).length);
    if (fresh.version >= this.availability!.version) {
      this.availability = fresh;
      this.emit({ kind: "snapshot" });
    }
    await this.catchUp();
  }

  // ---------- telling the UI ----------

  private setStatus(status: WatchStatus, error?: unknown): void {
    if (this.status === "stopped" || this.status === status) return;
    this.status = status;
    this.emit({ kind: "status", error });
  }

  private emit(update: Omit<WatchUpdate, "availability" | "status">): void {
    const full: WatchUpdate = { ...update, availability: this.availability, status: this.status };
    for (const fn of this.subscribers) fn(full);
  }
}

/** The availability event in a Broadcast message {event, payload}, or null for anything else. */
export function eventsFrom(message: { event?: string; payload?: Record<string, unknown> }): AvailabilityEvent | null {
  if (message.event !== "availability.updated" || !message.payload) return null;
  return parseEvent(message.payload);
}
