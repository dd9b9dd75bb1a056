// @clubbooking/client: typed RPCs over supabase-js 2, the contract's errors as exceptions,
// live slot availability (watchAvailability) and hold countdowns.
export type { Database, Json } from "./database.types.ts";
export * from "./results.ts";
export * from "./errors.ts";
export { applyEvent, mismatchedTables, parseEvent } from "./availability.ts";
export {
  BookingClient,
  broadcastListener,
  channelName,
  type HoldRequest,
  type ModifyRequest,
  type WalkInRequest,
} from "./client.ts";
export {
  type AvailabilitySource,
  AvailabilityWatch,
  Backoff,
  type Listener,
  type Signal,
  type WatchOptions,
  type WatchStatus,
  type WatchUpdate,
} from "./watch.ts";
export { ClientMetrics, MAX_SAMPLES_PER_REPORT, type MetricsBatch } from "./metrics.ts";
export { countdownAt, type CountdownTick, holdCountdown } from "./countdown.ts";
export {
  type Audience,
  ERROR_SENTENCES,
  formatMoney,
  isConnectionFailure,
  NO_CONNECTION,
  sentenceFor,
  UNEXPECTED,
} from "./words.ts";
