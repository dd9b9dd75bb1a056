// BookingClient: the RPCs a frontend needs, typed, over a supabase-js 2 client; errors as the
// contract's exceptions; watchAvailability over the slot's Broadcast channel.
import type { SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "./database.types.ts";
import { type PostgrestErrorLike, SectionNotAvailable, toBookingError } from "./errors.ts";
import { parseEvent } from "./availability.ts";
import type { MetricsBatch } from "./metrics.ts";
import type {
  Availability,
  AvailabilityEvent,
  BookingResult,
  BookingStatus,
  Catalogue,
  NightBooking,
} from "./results.ts";
import { AvailabilityWatch, eventsFrom, type Listener, type WatchOptions } from "./watch.ts";

type Functions = Database["public"]["Functions"];
type FunctionName = keyof Functions & string;
type Args<N extends FunctionName> = Functions[N]["Args"];
type RpcResponse = { data: unknown; error: PostgrestErrorLike | null; status: number };

/** The channel of a venue's slot on a night (the snapshot's `channel` says the same). */
export function channelName(clubId: string, venueId: string, date: string, slotId: string): string {
  return `availability:${clubId}:${venueId}:${date}:${slotId}`;
}

/**
 * A listener on the slot's Supabase Broadcast channel: the public one, or with `private` the
 * staff channel (true states and who changed them), which Realtime lets only the venue's staff
 * join; the client's access token goes to Realtime first (realtime.setAuth).
 */
export function broadcastListener(supabase: SupabaseClient<Database>, options: { private: boolean }): Listener {
  let channel: ReturnType<SupabaseClient<Database>["channel"]> | null = null;
  return {
    async open(name, signal) {
      if (options.private) await supabase.realtime.setAuth();
      const joined = supabase.channel(name, { config: { private: options.private } });
      channel = joined;
      joined.on("broadcast", { event: "availability.updated" }, (message) => {
        const event = eventsFrom(message);
        if (event) signal({ type: "event", event });
      });
      joined.subscribe((status, error) => {
        if (status === "SUBSCRIBED") signal({ type: "subscribed" });
        else signal({ type: "lost", error: error ?? new Error(`channel ${status}`) });
      });
    },
    async close() {
      const joined = channel;
      channel = null;
      if (joined) await supabase.removeChannel(joined);
    },
  };
}

/** What modifyBooking changes: any of party size, tables and slot (the same night). */
export type ModifyRequest = Partial<{ partySize: number; tableIds: string[]; slotId: string; reason: string }>;

/** A walk-in to seat now (seatWalkIn). */
export type WalkInRequest =
  & { venueId: string; date: string; slotId: string; tableIds: string[]; partySize: number; fullName: string }
  & Partial<{ phone: string; paymentMethod: "cash" | "card_terminal" | "waived"; reason: string }>;

export type HoldRequest =
  & {
    venueId: string;
    date: string;
    slotId: string;
    tableIds: string[];
    partySize: number;
  }
  & Partial<{
    idempotencyKey: string;
    specialRequests: string;
    occasion: string;
    promoterCode: string;
    customerId: string;
    /** false: a refusal (SectionNotAvailable) lists no alternatives; for a caller with a live snapshot. */
    alternatives: boolean;
  }>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The argument that names a booking: its id, or else its reference. */
function byIdOrReference(booking: string): { p_booking_id?: string; p_reference?: string } {
  return UUID.test(booking) ? { p_booking_id: booking } : { p_reference: booking };
}

/** The typed RPCs. Every call returns the RPC's result or throws its BookingError subclass. */
export class BookingClient {
  private readonly watches = new Set<AvailabilityWatch>();

  constructor(readonly supabase: SupabaseClient<Database>, readonly clientKind: "typescript" = "typescript") {}

  /** Call an RPC by name with its generated argument type. */
  async call<N extends FunctionName>(name: N, args: Args<N>): Promise<unknown> {
    // supabase-js's rpc() is typed per function through generics this wrapper already applies.
    const rpc = this.supabase.rpc.bind(this.supabase) as unknown as (
      fn: string,
      args: Record<string, unknown>,
    ) => PromiseLike<RpcResponse>;
    const { data, error, status } = await rpc(name, args as Record<string, unknown>);
    if (error) throw toBookingError(error, status);
    return data;
  }

  /** Venues (all, or one) with floors, tables, combinations and slots. */
  async getCatalogue(venueId?: string): Promise<Catalogue> {
    return await this.call("get_catalogue", { p_venue_id: venueId }) as Catalogue;
  }

  async getAvailability(venueId: string, date: string, slotId: string): Promise<Availability> {
    return await this.call("get_availability", {
      p_venue_id: venueId,
      p_date: date,
      p_slot_id: slotId,
    }) as Availability;
  }

  /** Staff: the slot as it was at a past instant (the staff view, with `as_of`; version 0). */
  async getAvailabilityAt(venueId: string, date: string, slotId: string, at: Date | string): Promise<Availability> {
    return await this.call("get_availability_at", {
      p_venue_id: venueId,
      p_date: date,
      p_slot_id: slotId,
      p_at: at instanceof Date ? at.toISOString() : at,
    }) as Availability;
  }

  /** The channel's events after a version, oldest first, in the caller's shape. */
  async getAvailabilityEvents(channel: string, afterVersion: number): Promise<AvailabilityEvent[]> {
    const rows = await this.call("get_availability_events", { p_channel: channel, p_after_version: afterVersion }) as {
      version: number;
      payload: Record<string, unknown>;
    }[];
    return rows.map((row) => parseEvent(row.payload)).filter((event): event is AvailabilityEvent => event !== null);
  }

  /**
   * Hold tables: a `held` booking with its reference, deposit and hold_expires_at. A refusal
   * (SectionNotAvailable, with alternatives) for tables a running watch showed as available is
   * counted as a stale-state failure, and that watch resyncs.
   */
  async holdTables(request: HoldRequest): Promise<BookingResult> {
    try {
      return await this.call("hold_tables", {
        p_venue_id: request.venueId,
        p_date: request.date,
        p_slot_id: request.slotId,
        p_table_ids: request.tableIds,
        p_party_size: request.partySize,
        p_idempotency_key: request.idempotencyKey,
        p_special_requests: request.specialRequests,
        p_occasion: request.occasion,
        p_promoter_code: request.promoterCode,
        p_customer_id: request.customerId,
        p_alternatives: request.alternatives,
      }) as BookingResult;
    } catch (error) {
      if (error instanceof SectionNotAvailable) {
        for (const watch of this.watches) {
          if (watch.venueId !== request.venueId || watch.date !== request.date || watch.slotId !== request.slotId) {
            continue;
          }
          if (watch.showsAvailable(request.tableIds)) {
            watch.metrics.recordStaleRefusal();
            watch.resync().catch(() => {});
          }
        }
      }
      throw error;
    }
  }

  /**
   * Submit a hold for approval. Where a deposit is due and unpaid, `paymentIntentId` (pi_...)
   * names the Stripe PaymentIntent it is paid through: the hold then waits (`awaiting_payment`)
   * and the stripe-webhook function submits it when the payment arrives.
   */
  async submitBooking(bookingId: string, paymentIntentId?: string): Promise<BookingResult> {
    return await this.call("submit_booking", {
      p_booking_id: bookingId,
      p_payment_reference: paymentIntentId,
    }) as BookingResult;
  }

  /** Cancel by booking id or reference (BR-...): the guest their own, staff their venue's. */
  async cancelBooking(booking: string, reason?: string): Promise<BookingResult> {
    return await this.call("cancel_booking", { ...byIdOrReference(booking), p_reason: reason }) as BookingResult;
  }

  /**
   * Check a guest in (door staff and up), by booking id or reference, with how many of the party
   * arrived (all by default). A repeat changes nothing else and says when and by whom
   * (`already_checked_in_at`, `checked_in_by`).
   */
  async checkInBooking(booking: string, arrivedCount?: number): Promise<BookingResult> {
    return await this.call("check_in_booking", {
      ...byIdOrReference(booking),
      p_arrived_count: arrivedCount,
    }) as BookingResult;
  }

  /** Undo a check-in (door staff and up) within the venue's undo window: back to confirmed. */
  async undoCheckIn(booking: string, reason?: string): Promise<BookingResult> {
    return await this.call("undo_check_in", { ...byIdOrReference(booking), p_reason: reason }) as BookingResult;
  }

  /** Undo a no-show (hosts and up) within the venue's undo window, if its tables are still free. */
  async undoNoShow(booking: string, reason?: string): Promise<BookingResult> {
    return await this.call("undo_no_show", { ...byIdOrReference(booking), p_reason: reason }) as BookingResult;
  }

  /**
   * Change a booking's party size, tables or slot (same night) in one step, refused like a hold
   * (SectionNotAvailable with alternatives). A guest until the venue's cutoff; staff any time; a
   * party beyond the tables' capacity is a manager's override (aal2) with a reason.
   */
  async modifyBooking(booking: string, change: ModifyRequest): Promise<BookingResult> {
    return await this.call("modify_booking", {
      ...byIdOrReference(booking),
      p_party_size: change.partySize,
      p_table_ids: change.tableIds,
      p_slot_id: change.slotId,
      p_reason: change.reason,
    }) as BookingResult;
  }

  /**
   * Seat a walk-in (hosts and up): a guest, the tables and a checked_in booking in one call. A
   * deposit is taken at the venue (`cash`, `card_terminal`) or `waived` by a manager (aal2) with a reason.
   */
  async seatWalkIn(request: WalkInRequest): Promise<BookingResult> {
    return await this.call("seat_walk_in", {
      p_venue_id: request.venueId,
      p_date: request.date,
      p_slot_id: request.slotId,
      p_table_ids: request.tableIds,
      p_party_size: request.partySize,
      p_full_name: request.fullName,
      p_phone: request.phone,
      p_payment_method: request.paymentMethod,
      p_reason: request.reason,
    }) as BookingResult;
  }

  /** Mark a no-show (door staff and up), by booking id or reference. */
  async markNoShow(booking: string): Promise<BookingResult> {
    return await this.call("mark_no_show", byIdOrReference(booking)) as BookingResult;
  }

  /** A night's bookings at a venue (door staff and up), earliest first; optionally only some statuses. */
  async getNightBookings(venueId: string, date: string, statuses?: BookingStatus[]): Promise<NightBooking[]> {
    return await this.call("get_night_bookings", {
      p_venue_id: venueId,
      p_date: date,
      p_statuses: statuses,
    }) as NightBooking[];
  }

  /** Bookings by reference, guest name, or (hosts and up) phone or email; exact references first. */
  async findBookings(venueId: string, query: string): Promise<NightBooking[]> {
    return await this.call("find_bookings", { p_venue_id: venueId, p_query: query }) as NightBooking[];
  }

  /** A walk-in guest record (hosts and up); returns its id, for holdTables' customerId. */
  async createGuest(
    venueId: string,
    fullName: string,
    contact: { phone?: string; email?: string } = {},
  ): Promise<string> {
    return await this.call("create_guest", {
      p_venue_id: venueId,
      p_full_name: fullName,
      p_phone: contact.phone,
      p_email: contact.email,
    }) as string;
  }

  /** Send one batch of client measurements for a venue's night (rate-limited by the database). */
  async reportClientMetrics(venueId: string, date: string, batch: MetricsBatch): Promise<void> {
    await this.call("report_client_metrics", {
      p_venue_id: venueId,
      p_date: date,
      p_client: this.clientKind,
      p_latencies_ms: batch.latencies_ms,
      p_resyncs: batch.resyncs,
      p_mismatched_resyncs: batch.mismatched_resyncs,
      p_stale_hold_refusals: batch.stale_hold_refusals,
    });
  }

  /**
   * Watch a slot live: the snapshot, then every change in version order (see watch.ts). By
   * default over the slot's Broadcast channel, the private staff channel when the snapshot is
   * the staff view. Resolves once the snapshot is shown and the channel is being joined.
   */
  async watchAvailability(
    venueId: string,
    date: string,
    slotId: string,
    options: Partial<WatchOptions> = {},
  ): Promise<AvailabilityWatch> {
    let watch: AvailabilityWatch | null = null;
    const listen = options.listen ??
      (() => broadcastListener(this.supabase, { private: watch?.availability?.view === "staff" }));
    watch = new AvailabilityWatch(this, venueId, date, slotId, { ...options, listen });
    const started = watch;
    this.watches.add(started);
    started.subscribe((update) => {
      if (update.status === "stopped") this.watches.delete(started);
    });
    await started.start();
    return started;
  }
}
