// Seed 003's monitoring, measured in the client where it happens: stream delivery latency
// (commit to applied: the event's updated_at, stamped by the committing transaction, to the
// moment the watcher applied it), the mismatch between the folded stream and a fresh snapshot at
// every resync, and holds refused because the client's state was stale (it showed the tables
// free). Reported in batches through `report_client_metrics` (numbers only: no ids of guests,
// no names), which the database rate-limits and bounds; `get_venue_metrics` shows them per night.

/** The most latency samples one report carries (the RPC refuses more). */
export const MAX_SAMPLES_PER_REPORT = 500;

/** One report: what a client measured for one venue and night since its last report. */
export interface MetricsBatch {
  latencies_ms: number[];
  resyncs: number;
  mismatched_resyncs: number;
  stale_hold_refusals: number;
}

/** The counters of one venue-night, until they are taken for a report. */
export class ClientMetrics {
  private latencies: number[] = [];
  private resyncs = 0;
  private mismatched = 0;
  private stale = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** An event applied now that its transaction committed at `committedAt` (ISO). */
  recordDelivery(committedAt: string): void {
    const at = Date.parse(committedAt);
    if (Number.isNaN(at)) return;
    // A clock behind the server's would give a negative figure: count it as immediate.
    const latency = Math.max(0, Math.round(this.now() - at));
    if (this.latencies.length < MAX_SAMPLES_PER_REPORT) this.latencies.push(latency);
  }

  /** A resync compared the folded stream with a fresh snapshot; `mismatched` tables differed. */
  recordResync(mismatched: number): void {
    this.resyncs += 1;
    if (mismatched > 0) this.mismatched += 1;
  }

  /** A hold was refused (SECTION_NOT_AVAILABLE) for tables the client showed as available. */
  recordStaleRefusal(): void {
    this.stale += 1;
  }

  /** The batch so far, and counters back to zero; null when there is nothing to report. */
  take(): MetricsBatch | null {
    if (this.latencies.length === 0 && this.resyncs === 0 && this.stale === 0) return null;
    const batch = {
      latencies_ms: this.latencies,
      resyncs: this.resyncs,
      mismatched_resyncs: this.mismatched,
      stale_hold_refusals: this.stale,
    };
    this.latencies = [];
    this.resyncs = this.mismatched = this.stale = 0;
    return batch;
  }

  /** Put back a batch that could not be sent (a later report carries it, within the bounds). */
  restore(batch: MetricsBatch): void {
    this.latencies = [...batch.latencies_ms, ...this.latencies].slice(0, MAX_SAMPLES_PER_REPORT);
    this.resyncs += batch.resyncs;
    this.mismatched += batch.mismatched_resyncs;
    this.stale += batch.stale_hold_refusals;
  }
}
