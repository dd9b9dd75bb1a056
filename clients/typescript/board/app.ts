// The door board and the guest view: plain DOM over the TypeScript client. It reads
// /config.json ({supabase_url, anon_key, local}); locally (`make serve`) it signs in through the
// local-only sign-in and hears the local Realtime stand-in, on a project through Supabase Auth
// and Realtime, with the same client code either way. Every table is an element with
// data-table-id (its uuid) and data-state (its state for the viewer). Phone first: below 761px
// the floor, the arrivals and the walk-in are sections behind a thumb bar. Errors are shown in
// words (BookingError.say), never as codes. Managers can pick a past time of the night and see
// the floor as it was then (get_availability_at), read-only.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import {
  type Alternative,
  type Availability,
  type AvailabilityTable,
  type AvailabilityWatch,
  BookingClient,
  BookingError,
  type BookingResult,
  type CatalogueVenue,
  type Database,
  formatMoney,
  holdCountdown,
  isConnectionFailure,
  type NightBooking,
  NO_CONNECTION,
  SectionNotAvailable,
  UNEXPECTED,
  type WatchStatus,
} from "../src/mod.ts";

interface Config {
  supabase_url: string;
  anon_key: string;
  local: boolean;
}

interface LocalUser {
  id: string;
  email: string;
  name: string;
  role: string;
  venue: string;
}

const STAFF_ROLES = ["door", "host", "manager", "admin"];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** An element with properties and children. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

const state = {
  config: null as Config | null,
  token: null as string | null,
  supabase: null as SupabaseClient<Database> | null,
  client: null as BookingClient | null,
  venue: null as CatalogueVenue | null,
  watch: null as AvailabilityWatch | null,
  view: "door" as "door" | "guest",
  signedInAs: null as { name: string; role: string } | null,
  countdowns: [] as { stop: () => void }[],
  /** The floor at a past instant while a manager looks back; null: live. */
  replay: null as Availability | null,
  /** The viewer's own live holds, by table id: shown as theirs, with the countdown. */
  mine: new Map<string, { reference: string; label: string }>(),
  /** The last event's reason per table (what happened, for the words beside a table). */
  reasons: new Map<string, string>(),
  /** The watch's link: lost while it reconnects. */
  linkLost: false,
  /** The night's bookings (covers) and what the search found. */
  night: [] as NightBooking[],
  found: null as NightBooking[] | null,
};

const isStaff = () => STAFF_ROLES.includes(state.signedInAs?.role ?? "");

function say(message: string, kind: "error" | "ok" = "error"): void {
  $("message").textContent = message;
  $("message").dataset.kind = kind;
}

/** Any failure in words for whoever is looking: a host, or a guest. */
function explain(error: unknown): string {
  const audience = isStaff() ? "host" : "guest";
  if (error instanceof BookingError) return error.say(audience);
  if (isConnectionFailure(error)) return NO_CONNECTION;
  console.error(error);
  return UNEXPECTED;
}

const money = (amount: number | string | undefined) => formatMoney(amount ?? 0, state.venue?.currency ?? "gbp");

/** A clock time (HH:MM) in the venue's zone. */
function venueTime(instant: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: state.venue?.timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(instant));
}

const slotLabel = (slotId: string | null | undefined) =>
  state.venue?.slots.find((s) => s.slot_id === slotId)?.label ?? slotId ?? "";

/** The venue's next open night (today if it opens today), as YYYY-MM-DD. */
function nextOpenNight(venue: CatalogueVenue): string {
  const day = new Date();
  for (let i = 0; i < 8; i++) {
    const isoDay = ((day.getDay() + 6) % 7) + 1;
    if (venue.open_days.includes(isoDay)) break;
    day.setDate(day.getDate() + 1);
  }
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${
    String(day.getDate()).padStart(2, "0")
  }`;
}

// ---------- the client, sign-in and sign-out ----------

function makeClient(config: Config): void {
  const options = { realtime: { params: { log_level: "error" } } };
  state.supabase = config.local
    ? createClient<Database>(config.supabase_url, config.anon_key, {
      ...options,
      accessToken: () => Promise.resolve(state.token ?? config.anon_key),
    })
    : createClient<Database>(config.supabase_url, config.anon_key, options);
  state.client = new BookingClient(state.supabase);
}

/** The venue's staff, each once (a person on several venues' staff signs in here as this one's). */
function staffOfVenue(staff: LocalUser[]): LocalUser[] {
  const seen = new Set<string>();
  return staff.filter((user) => user.venue === state.venue!.name && !seen.has(user.id) && seen.add(user.id));
}

async function setUpSignIn(config: Config): Promise<void> {
  const form = $<HTMLFormElement>("sign-in");
  if (config.local) {
    const select = $<HTMLSelectElement>("local-user");
    const { staff } = await (await fetch("/auth/v1/local/users")).json() as { staff: LocalUser[] };
    const ours = staffOfVenue(staff);
    select.replaceChildren(
      el("option", { value: "guest" }, "a new guest"),
      ...ours.map((user) => el("option", { value: user.id }, `${user.name} (${user.role})`)),
    );
    $("local-user-label").hidden = false;
    $("guest-name-label").hidden = false;
    select.addEventListener("change", () => $("guest-name-label").hidden = select.value !== "guest");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const guestName = $<HTMLInputElement>("guest-name").value.trim() || "Guest";
        const body = select.value === "guest" ? { guest_name: guestName } : { user_id: select.value };
        const answer = await (await fetch("/auth/v1/local/sign-in", { method: "POST", body: JSON.stringify(body) }))
          .json();
        state.token = answer.access_token;
        const role = ours.find((user) => user.id === answer.user.id)?.role ?? "guest";
        await signedIn({ name: answer.user.name, role });
      } catch (error) {
        say(explain(error));
      }
    });
  } else {
    $("email-label").hidden = false;
    $("password-label").hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { data, error } = await state.supabase!.auth.signInWithPassword({
        email: $<HTMLInputElement>("email").value,
        password: $<HTMLInputElement>("password").value,
      });
      if (error) return say(error.message);
      await signedIn({ name: data.user.email ?? "signed in", role: "" });
    });
  }
  $("sign-out").addEventListener("click", signOut);
}

async function signedIn(who: { name: string; role: string }): Promise<void> {
  const role = who.role ||
    String(await state.client!.call("get_user_role", { venue_id: state.venue!.venue_id }) ?? "guest");
  state.signedInAs = { name: who.name, role };
  const roleWord = STAFF_ROLES.includes(role) ? role : "guest";
  $("who").textContent = `${who.name} · ${roleWord}`;
  $("sign-in").hidden = true;
  $("signed-in").hidden = false;
  document.body.dataset.signedIn = role;
  if (STAFF_ROLES.includes(role)) document.body.dataset.staff = role;
  else delete document.body.dataset.staff;
  $("replay").hidden = !["manager", "admin"].includes(role);
  say("");
  await state.supabase!.realtime.setAuth();
  await startWatch();
}

async function signOut(): Promise<void> {
  if (!state.config!.local) await state.supabase!.auth.signOut();
  state.token = null;
  state.signedInAs = null;
  state.mine.clear();
  state.night = [];
  state.found = null;
  delete document.body.dataset.signedIn;
  delete document.body.dataset.staff;
  $("sign-in").hidden = false;
  $("signed-in").hidden = true;
  $("replay").hidden = true;
  $("bookings").replaceChildren();
  $("guest-hold").replaceChildren();
  $("walk-in-result").replaceChildren();
  setPane("floor");
  say("");
  await state.supabase!.realtime.setAuth();
  await startWatch();
}

// ---------- the link: live, reconnecting, offline ----------

const LINK_WORDS: Record<string, string> = {
  live: "live",
  connecting: "connecting…",
  reconnecting: "reconnecting…",
  offline: "offline",
  replay: "replay",
};

function showStatus(status: string): void {
  const badge = $("link-status");
  badge.dataset.status = status;
  badge.textContent = LINK_WORDS[status] ?? status;
}

function watchStatus(status: WatchStatus): string {
  return status === "refreshing" ? "reconnecting" : status === "stopped" ? "connecting" : status;
}

/**
 * Offline (the browser says so, or the watch lost its channel): the banner, the floor and the
 * lists dimmed, every tap paused (inert). Back: a resync, the bookings again, no stale message.
 */
function checkLink(): void {
  const offline = !navigator.onLine || state.linkLost;
  const wasOffline = document.body.dataset.offline === "true";
  if (offline === wasOffline) return;
  $("offline-banner").hidden = !offline;
  for (const id of ["door-view", "guest-view", "panes"]) $(id).inert = offline;
  if (offline) {
    document.body.dataset.offline = "true";
    showStatus("offline");
    return;
  }
  delete document.body.dataset.offline;
  say("");
  showStatus(watchStatus(state.watch?.status ?? "connecting"));
  state.watch?.resync().catch(() => {});
  scheduleBookings();
}

// ---------- the slot's live state ----------

const night = () => $<HTMLInputElement>("night").value;
const slot = () => $<HTMLSelectElement>("slot").value;

let watchGeneration = 0;

async function startWatch(): Promise<void> {
  const generation = ++watchGeneration;
  leaveReplay();
  // Until the new watch has its snapshot, the badge says so: the old watch's "live" (the
  // public view before sign-in, another night or slot) is not this one's.
  showStatus("connecting");
  await state.watch?.stop();
  state.watch = null;
  state.reasons.clear();
  const watch = await state.client!.watchAvailability(state.venue!.venue_id, night(), slot(), {
    onUpdate: (update) => {
      if (generation !== watchGeneration) return;
      state.linkLost = update.status === "refreshing";
      checkLink();
      if (document.body.dataset.offline !== "true") showStatus(watchStatus(update.status));
      if (update.event) state.reasons.set(update.event.table_id, update.event.reason);
      render();
      if (update.kind === "event" && state.watch?.availability?.view === "staff") {
        void resolveNames(state.watch.availability.tables).catch(() => {});
      }
      if (update.kind === "event" && state.view === "door") scheduleBookings();
    },
  });
  if (generation !== watchGeneration) return void await watch.stop();
  state.watch = watch;
  if (document.body.dataset.offline !== "true") showStatus(watchStatus(watch.status));
  render();
  if (state.view === "door") await loadBookings();
}

function render(): void {
  const availability = state.replay ?? state.watch?.availability;
  if (!availability) return;
  document.body.dataset.availabilityView = availability.view;
  learnNames(availability.tables);
  $("version").textContent = availability.as_of
    ? `as it was at ${$<HTMLInputElement>("replay-at").value} · read-only`
    : (availability.bookable ? "" : "over or closed: nothing sells");
  $("version").title = `version ${availability.version}, ${availability.view} view`;
  renderLegend(availability.view);
  renderFloors(availability.tables);
  renderWalkInTables(availability.tables);
  renderGuestOptions(availability.tables);
}

// ---------- who is who ----------

// Who changed a table: events carry ids and roles, never names (nothing stored needs erasing);
// names come from the staff snapshot, read again when an event names someone not yet known.
const names = new Map<string, string>();

function learnNames(tables: AvailabilityTable[]): void {
  for (const table of tables) {
    if (table.changed_by && table.changed_by_name) names.set(table.changed_by, table.changed_by_name);
  }
}

async function resolveNames(tables: AvailabilityTable[]): Promise<void> {
  if (!state.client || !state.venue) return;
  if (!tables.some((t) => t.changed_by && !t.changed_by_name && !names.has(t.changed_by))) return;
  learnNames((await state.client.getAvailability(state.venue.venue_id, night(), slot())).tables);
  render();
}

/** What the database did on its own (the sweeper, a job), said as what happened. */
const AUTOMATIC: Record<string, string> = {
  hold_expired: "hold expired automatically",
  request_expired: "request expired automatically",
  waitlist_offer: "offered to the waitlist automatically",
};
const ACTORS_THAT_ARE_NOT_PEOPLE = new Set(["system", "postgres", "service_role", "supabase_admin", "anon"]);

/** Who last changed a table, in words: a name and role, "you", or what happened on its own. */
function whoChanged(table: AvailabilityTable): string {
  const role = table.changed_by_role;
  if (!role && !table.changed_by) return "";
  if (!role || ACTORS_THAT_ARE_NOT_PEOPLE.has(role)) {
    const reason = state.reasons.get(table.table_id) ?? "";
    return AUTOMATIC[reason] ?? (table.state === "available" ? "freed automatically" : "changed automatically");
  }
  const name = table.changed_by_name ?? (table.changed_by ? names.get(table.changed_by) : undefined);
  const roleWord = STAFF_ROLES.includes(role) ? role : "guest";
  return `${name ?? "a guest"} · ${roleWord}`;
}

const STATE_WORDS: Record<string, string> = {
  available: "free",
  held: "held",
  pending_approval: "awaiting approval",
  confirmed: "booked",
  checked_in: "seated",
  blocked: "blocked",
  unavailable: "taken",
};
const STATES_BY_VIEW: Record<string, string[]> = {
  staff: ["available", "held", "pending_approval", "confirmed", "checked_in", "blocked"],
  public: ["available", "unavailable", "blocked"],
};

function renderLegend(view: string): void {
  const legend = $("legend");
  if (legend.dataset.view === view) return;
  legend.dataset.view = view;
  legend.replaceChildren(
    ...(STATES_BY_VIEW[view] ?? STATES_BY_VIEW.public).map((s) => {
      const swatch = el("span", { className: "swatch" });
      swatch.dataset.state = s;
      swatch.setAttribute("aria-hidden", "true");
      return el("li", {}, swatch, STATE_WORDS[s]);
    }),
  );
}

function tableTile(table: AvailabilityTable, onClick?: () => void): HTMLElement {
  const mine = state.mine.get(table.table_id);
  const deposit = table.deposit > 0 ? ` · deposit ${money(table.deposit)}` : "";
  const tile = el(
    "button",
    { className: "table", type: "button" },
    el("span", { className: "number" }, String(table.table_number)),
    el("span", { className: "name" }, table.name),
    el("span", { className: "seats" }, `${table.capacity_min}-${table.capacity_max} guests${deposit}`),
    el("span", { className: "state" }, mine ? "your hold" : STATE_WORDS[table.state] ?? table.state),
    el(
      "span",
      { className: "who" },
      mine ? "" : [table.reference, table.customer_name, whoChanged(table)].filter(Boolean).join(" · "),
    ),
  );
  if (mine) {
    tile.append(el("span", { className: "mine" }, `${mine.reference} · ${mine.label}`));
    tile.dataset.mine = "true";
  }
  tile.dataset.tableId = table.table_id;
  tile.dataset.state = table.state;
  tile.dataset.tableNumber = String(table.table_number);
  tile.setAttribute("aria-label", `Table ${table.table_number}, ${tile.querySelector(".state")!.textContent}`);
  if (onClick) tile.addEventListener("click", onClick);
  return tile;
}

function renderFloors(tables: AvailabilityTable[]): void {
  const floors = new Map<string, AvailabilityTable[]>();
  for (const table of tables) floors.set(table.floor, [...(floors.get(table.floor) ?? []), table]);
  $("floors").replaceChildren(
    ...[...floors].map(([floor, rows]) => {
      const section = el(
        "section",
        { className: "floor" },
        el("h2", {}, floor),
        el("div", { className: "tables" }, ...rows.map((t) => tableTile(t))),
      );
      section.dataset.floor = floor;
      return section;
    }),
  );
}

// ---------- the floor at a past instant (managers) ----------

/** The instant a wall-clock time of the night is in the venue's time zone: HH:MM from noon on
 * the night, 00:00-11:59 the morning after (as `clubbooking replay --at`). */
function instantOfNight(date: string, time: string, timeZone: string): Date {
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day + (hour < 12 ? 1 : 0), hour, minute);
  // the zone's offset at that wall time: format the guess in the zone and measure the difference
  const offsetAt = (at: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }).formatToParts(new Date(at)).map((part) => [part.type, part.value]),
    );
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - at;
  };
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first));
}

/** Show the floor at the picked time: the live watch stops, the page is read-only until "Back to live". */
async function showReplay(): Promise<void> {
  const time = $<HTMLInputElement>("replay-at").value;
  if (!time) return;
  try {
    const at = instantOfNight(night(), time, state.venue!.timezone);
    const replay = await state.client!.getAvailabilityAt(state.venue!.venue_id, night(), slot(), at);
    ++watchGeneration;
    await state.watch?.stop();
    state.watch = null;
    state.replay = replay;
    document.body.dataset.replay = replay.as_of ?? at.toISOString();
    $("replay-live").hidden = false;
    showStatus("replay");
    render();
  } catch (error) {
    say(explain(error));
  }
}

function leaveReplay(): void {
  state.replay = null;
  $<HTMLInputElement>("replay-at").value = "";
  delete document.body.dataset.replay;
  $("replay-live").hidden = true;
}

// ---------- arrivals ----------

let bookingsTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleBookings(): void {
  clearTimeout(bookingsTimer);
  bookingsTimer = setTimeout(() => loadBookings().catch((error) => say(explain(error))), 150);
}

async function loadBookings(): Promise<void> {
  if (!isStaff()) return;
  const query = $<HTMLInputElement>("search").value.trim();
  const venueId = state.venue!.venue_id;
  const [nightRows, found] = await Promise.all([
    state.client!.getNightBookings(venueId, night()),
    query.length >= 2 ? state.client!.findBookings(venueId, query) : Promise.resolve(null),
  ]);
  state.night = nightRows;
  state.found = found;
  renderArrivals();
}

/** Bookings that no longer hold anything: hidden unless asked for. */
const DEAD = new Set(["expired", "cancelled", "rejected"]);
/** Within a slot: who is still to come first, then the ones in, then the rest. */
const ARRIVAL_ORDER: Record<string, number> = {
  confirmed: 0,
  pending_approval: 1,
  held: 2,
  checked_in: 3,
  no_show: 4,
  expired: 5,
  cancelled: 6,
  rejected: 7,
};
const FILTERS: Record<string, (b: NightBooking) => boolean> = {
  to_arrive: (b) => ["confirmed", "pending_approval", "held"].includes(b.status),
  arrived: (b) => b.status === "checked_in",
  no_show: (b) => b.status === "no_show",
  all: () => true,
};
const EMPTY: Record<string, string> = {
  to_arrive: "Nobody left to arrive.",
  arrived: "Nobody has arrived yet.",
  no_show: "No no-shows.",
  all: "No bookings for this night yet.",
};
const BOOKING_WORDS: Record<string, string> = {
  confirmed: "to arrive",
  pending_approval: "awaiting approval",
  held: "held",
  checked_in: "arrived",
  no_show: "no-show",
  expired: "expired",
  cancelled: "cancelled",
  rejected: "rejected",
};

const arrivedOf = (b: NightBooking) => b.status === "checked_in" ? b.arrived_count ?? b.party_size : 0;

function renderArrivals(): void {
  const live = state.night.filter((b) => !DEAD.has(b.status) && b.status !== "no_show");
  const expected = live.reduce((sum, b) => sum + b.party_size, 0);
  const arrived = live.reduce((sum, b) => sum + arrivedOf(b), 0);
  const covers = $("covers");
  covers.textContent = `Covers: ${arrived} of ${expected} arrived`;
  covers.dataset.expected = String(expected);
  covers.dataset.arrived = String(arrived);

  const filter = document.querySelector<HTMLInputElement>("input[name=arrival-filter]:checked")?.value ?? "all";
  const showDead = $<HTMLInputElement>("show-dead").checked;
  const rows = (state.found ?? state.night)
    .filter((b) => (showDead || !DEAD.has(b.status)) && FILTERS[filter](b))
    .sort((a, b) =>
      Date.parse(a.starts_at) - Date.parse(b.starts_at) || ARRIVAL_ORDER[a.status] - ARRIVAL_ORDER[b.status] ||
      a.guest_name.localeCompare(b.guest_name)
    );
  $("bookings").replaceChildren(...rows.map(bookingRow));
  const empty = $("bookings-empty");
  const query = $<HTMLInputElement>("search").value.trim();
  empty.hidden = rows.length > 0;
  empty.textContent = state.found !== null ? `No booking matches “${query}”.` : EMPTY[filter];
}

function actionButton(className: string, label: string, action: () => Promise<BookingResult>): HTMLButtonElement {
  return el("button", { type: "button", className, onclick: () => transition(action) }, label);
}

function bookingRow(booking: NightBooking): HTMLElement {
  const status = el("span", { className: "status" }, BOOKING_WORDS[booking.status] ?? booking.status);
  const actions = el("span", { className: "actions" }, status);
  const client = state.client!;
  if (booking.status === "confirmed") {
    const count = el("input", {
      type: "number",
      className: "arrived-count",
      min: "1",
      max: String(booking.party_size),
      value: String(booking.party_size),
    });
    count.setAttribute("aria-label", `How many of ${booking.guest_name}'s party of ${booking.party_size} arrived`);
    actions.append(
      count,
      actionButton("check-in", "Check in", () => client.checkInBooking(booking.reference, Number(count.value))),
      actionButton("no-show", "No-show", () => client.markNoShow(booking.reference)),
    );
  } else if (booking.status === "checked_in") {
    actions.append(
      actionButton("undo-check-in", "Undo", () => client.undoCheckIn(booking.reference, "undone at the door")),
    );
  } else if (booking.status === "no_show") {
    actions.append(
      actionButton("undo-no-show", "Undo", () => client.undoNoShow(booking.reference, "undone at the door")),
    );
  }
  const tables = booking.table_numbers.length ? `table ${booking.table_numbers.join("+")}` : "no table";
  const arrival = booking.status === "checked_in"
    ? el("span", { className: "arrival" }, `${arrivedOf(booking)} of ${booking.party_size} arrived`)
    : "";
  const item = el(
    "li",
    {},
    el(
      "span",
      { className: "guest" },
      el("strong", {}, booking.guest_name),
      el(
        "span",
        { className: "meta" },
        `${booking.reference} · party of ${booking.party_size} · ${tables} · ${when(booking)}`,
      ),
      arrival,
    ),
    actions,
  );
  item.dataset.reference = booking.reference;
  item.dataset.status = booking.status;
  return item;
}

/** A booking's time and slot, once: "Early (21:00-23:30)", or "21:40 · Early (21:00-23:30)". */
function when(booking: NightBooking): string {
  const label = slotLabel(booking.slot_id);
  return label.includes(booking.starts_local) ? label : [booking.starts_local, label].filter(Boolean).join(" · ");
}

/** What a transition did, in words. */
function outcome(result: BookingResult): string {
  if (result.already_checked_in_at) {
    const by = result.checked_in_by_name ?? "the system";
    return `${result.reference} was already checked in at ${venueTime(result.already_checked_in_at)} by ${by}.`;
  }
  const partial = result.status === "checked_in" && result.arrived_count != null &&
      result.arrived_count !== result.party_size
    ? `, ${result.arrived_count} of ${result.party_size} arrived`
    : "";
  return `${result.reference}: ${BOOKING_WORDS[result.status] ?? result.status}${partial}.`;
}

async function transition(step: () => Promise<BookingResult>): Promise<void> {
  try {
    say(outcome(await step()), "ok");
    await loadBookings();
  } catch (error) {
    say(explain(error));
  }
}

// ---------- walk-ins: seated now, no hold ----------

interface Option {
  label: string;
  tableIds: string[];
  capacity: string;
  deposit: number;
}

/** Free tables and combinations whose seats fit the party. */
function fittingOptions(tables: AvailabilityTable[], party: number): Option[] {
  const free = new Map(tables.filter((t) => t.state === "available").map((t) => [t.table_number, t]));
  const singles = [...free.values()]
    .filter((t) => t.capacity_min <= party && party <= t.capacity_max)
    .map((t) => ({
      label: t.name === `Table ${t.table_number}` ? t.name : `Table ${t.table_number} · ${t.name}`,
      tableIds: [t.table_id],
      capacity: `${t.capacity_min}-${t.capacity_max}`,
      deposit: Number(t.deposit),
    }));
  const combinations = state.venue!.combinations
    .filter((c) => c.capacity_min <= party && party <= c.capacity_max && c.tables.every((n) => free.has(n)))
    .map((c) => ({
      label: c.name,
      tableIds: c.tables.map((n) => free.get(n)!.table_id),
      capacity: `${c.capacity_min}-${c.capacity_max}`,
      deposit: c.tables.reduce((sum, n) => sum + Number(free.get(n)!.deposit), 0),
    }));
  return [...singles, ...combinations];
}

/** The tables a party fits, now; a chosen table that was just taken stays chosen and says so. */
function renderWalkInTables(tables: AvailabilityTable[]): void {
  const select = $<HTMLSelectElement>("walk-in-table");
  const party = Number($<HTMLInputElement>("walk-in-party").value) || 0;
  const chosen = select.value;
  const chosenLabel = select.selectedOptions[0]?.dataset.label;
  const chosenDeposit = select.selectedOptions[0]?.dataset.deposit ?? "0";
  const options = fittingOptions(tables, party);
  const note = $("walk-in-table-note");
  select.replaceChildren(
    el("option", { value: "" }, options.length ? "Pick a table" : `Nothing free fits ${party}`),
    ...options.map((o) => {
      const option = el("option", { value: o.tableIds.join(",") }, `${o.label} (${o.capacity} guests)`);
      option.dataset.label = o.label;
      option.dataset.deposit = String(o.deposit);
      return option;
    }),
  );
  note.textContent = "";
  if (chosen && options.some((o) => o.tableIds.join(",") === chosen)) {
    select.value = chosen;
  } else if (chosen && chosenLabel) {
    const gone = el("option", { value: chosen }, `${chosenLabel}: taken now`);
    gone.dataset.label = chosenLabel;
    gone.dataset.taken = "true";
    gone.dataset.deposit = chosenDeposit;
    select.append(gone);
    select.value = chosen;
    note.textContent = `${chosenLabel} was just taken or no longer fits ${party}: pick another.`;
  }
  showDeposit();
}

/** The deposit due on the chosen tables, and how it is settled at the door. */
function showDeposit(): void {
  const option = $<HTMLSelectElement>("walk-in-table").selectedOptions[0];
  const deposit = Number(option?.dataset.deposit ?? 0);
  const label = $("walk-in-payment-label");
  label.hidden = !(deposit > 0);
  label.firstChild!.textContent = `Deposit of ${money(deposit)} `;
  $("walk-in-reason-label").hidden = label.hidden || $<HTMLSelectElement>("walk-in-payment").value !== "waived";
}

async function seatWalkIn(event: Event): Promise<void> {
  event.preventDefault();
  const select = $<HTMLSelectElement>("walk-in-table");
  const tableIds = select.value.split(",").filter(Boolean);
  const deposit = Number(select.selectedOptions[0]?.dataset.deposit ?? 0);
  const party = Number($<HTMLInputElement>("walk-in-party").value);
  const name = $<HTMLInputElement>("walk-in-name").value.trim();
  const phone = $<HTMLInputElement>("walk-in-phone").value.trim();
  const payment = $<HTMLSelectElement>("walk-in-payment").value as "cash" | "card_terminal" | "waived";
  const reason = $<HTMLInputElement>("walk-in-reason").value.trim();
  const button = $<HTMLButtonElement>("walk-in-seat");
  button.disabled = true;
  try {
    const seated = await state.client!.seatWalkIn({
      venueId: state.venue!.venue_id,
      date: night(),
      slotId: slot(),
      tableIds,
      partySize: party,
      fullName: name,
      ...(phone ? { phone } : {}),
      ...(deposit > 0 ? { paymentMethod: payment } : {}),
      ...(deposit > 0 && reason ? { reason } : {}),
    });
    const label = select.selectedOptions[0]?.dataset.label ?? "the table";
    $<HTMLFormElement>("walk-in").reset();
    const box = el(
      "p",
      { className: "seated" },
      `Seated ${name}, party of ${seated.party_size}, at ${label} (${seated.reference})` +
        (deposit > 0 ? `; deposit ${money(deposit)} ${payment === "waived" ? "waived" : "taken"}.` : "."),
    );
    box.dataset.reference = seated.reference;
    $("walk-in-result").replaceChildren(box);
    say(`${name} seated at ${label}.`, "ok");
    render();
    await loadBookings();
  } catch (error) {
    say(explain(error));
    $("walk-in-result").replaceChildren(
      ...(error instanceof SectionNotAvailable
        ? [alternativesBox(error.alternatives.filter((a) => a.slot_id === slot()), (a) => {
          select.value = a.table_ids.join(",");
          showDeposit();
        })]
        : []),
    );
  } finally {
    button.disabled = false;
  }
}

/** Alternatives where the refusal is read, with slot labels and times, each one tap. */
function alternativesBox(alternatives: Alternative[], pick: (alternative: Alternative) => void): HTMLElement {
  const box = el("div", { className: "alternatives" });
  if (!alternatives.length) {
    box.append(el("p", {}, "Nothing else is free for that party in this slot."));
    return box;
  }
  box.append(
    el("h3", {}, "Free instead"),
    ...alternatives.map((alternative) => {
      const button = el(
        "button",
        { type: "button", className: "option alternative", onclick: () => pick(alternative) },
        `Tables ${alternative.table_numbers.join("+")} · ${slotLabel(alternative.slot_id)}` +
          (alternative.deposit > 0 ? ` · deposit ${money(alternative.deposit)}` : ""),
      );
      button.dataset.tableIds = alternative.table_ids.join(",");
      button.dataset.slotId = alternative.slot_id;
      return button;
    }),
  );
  return box;
}

// ---------- the guest view ----------

function renderGuestOptions(tables: AvailabilityTable[]): void {
  const party = Number($<HTMLInputElement>("party-size").value);
  const options = fittingOptions(tables, party);
  const list = options.map((option) => {
    const button = el(
      "button",
      { type: "button", className: "option", onclick: () => holdForGuest(option.tableIds, slot()) },
      `${option.label} (${option.capacity} guests)` + (option.deposit > 0 ? ` · deposit ${money(option.deposit)}` : ""),
    );
    button.dataset.tableIds = option.tableIds.join(",");
    return button;
  });
  const alternativesShown = $("guest-hold").querySelector(".alternative") !== null;
  $("guest-options").replaceChildren(
    el(
      "h2",
      {},
      options.length
        ? `Free for ${party} in ${slotLabel(slot())}`
        : `Nothing free for ${party} in ${slotLabel(slot())}${alternativesShown ? ": other times are above" : ""}`,
    ),
    ...list,
    el("div", { className: "tables" }, ...tables.map((t) => tableTile(t))),
  );
}

async function holdForGuest(tableIds: string[], slotId: string): Promise<void> {
  try {
    const hold = await state.client!.holdTables({
      venueId: state.venue!.venue_id,
      date: night(),
      slotId,
      tableIds,
      partySize: Number($<HTMLInputElement>("party-size").value),
    });
    if (slotId !== slot()) {
      $<HTMLSelectElement>("slot").value = slotId;
      void startWatch();
    }
    say("");
    showHold($("guest-hold"), hold);
  } catch (error) {
    say(explain(error));
    if (error instanceof SectionNotAvailable) {
      $("guest-hold").replaceChildren(alternativesBox(error.alternatives, (a) => holdForGuest(a.table_ids, a.slot_id)));
      render();
    }
  }
}

/**
 * A guest's hold with its countdown and a submit button, and its tables shown as theirs on the
 * floor. The board takes no payments: where a deposit is due, the submit carries the Stripe
 * PaymentIntent the guest's payment goes through, and the hold waits for that payment (the
 * stripe-webhook function submits it when it arrives).
 */
function showHold(container: HTMLElement, hold: BookingResult): void {
  for (const countdown of state.countdowns) countdown.stop();
  state.mine.clear();
  const clock = el("div", { className: "countdown" });
  const submit = el("button", { type: "button", className: "submit" }, "Submit request");
  const status = el(
    "p",
    { className: "hold-status" },
    `Your hold: ${hold.reference}` + (hold.deposit > 0 ? ` · deposit ${money(hold.deposit)}` : ""),
  );
  const payment = el("input", { className: "payment-reference", placeholder: "pi_..." });
  const paymentLabel = el("label", {}, "Deposit payment reference ", payment);
  const parts: Node[] = hold.deposit > 0 ? [status, clock, paymentLabel, submit] : [status, clock, submit];
  const box = el("div", { className: "hold" }, ...parts);
  box.dataset.reference = hold.reference;
  box.dataset.bookingId = hold.booking_id;
  container.replaceChildren(box);
  const mine = { reference: hold.reference, label: "" };
  for (const id of hold.table_ids) state.mine.set(id, mine);
  state.countdowns = [holdCountdown(hold.hold_expires_at!, (tick) => {
    clock.textContent = tick.label;
    clock.dataset.secondsLeft = String(tick.secondsLeft);
    clock.dataset.expired = String(tick.expired);
    mine.label = tick.expired ? "hold expired" : `yours for ${tick.label}`;
    for (const text of document.querySelectorAll("[data-mine] .mine")) {
      text.textContent = `${mine.reference} · ${mine.label}`;
    }
    if (tick.expired) {
      submit.disabled = true;
      state.mine.clear();
      render();
    }
  })];
  render();
  submit.addEventListener("click", async () => {
    try {
      const submitted = await state.client!.submitBooking(hold.booking_id, payment.value.trim() || undefined);
      box.dataset.status = submitted.status;
      box.dataset.awaitingPayment = String(submitted.awaiting_payment);
      if (submitted.awaiting_payment) {
        status.textContent = `${submitted.reference}: held, waiting for the deposit's payment`;
        return;
      }
      for (const countdown of state.countdowns) countdown.stop();
      status.textContent = `${submitted.reference}: ${BOOKING_WORDS[submitted.status] ?? submitted.status}`;
      clock.remove();
      submit.remove();
    } catch (error) {
      say(explain(error));
    }
  });
}

// ---------- start ----------

function showView(view: "door" | "guest"): void {
  state.view = view;
  $("door-view").hidden = view !== "door";
  $("guest-view").hidden = view !== "guest";
  $("panes").hidden = view !== "door";
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".tab")) {
    tab.setAttribute("aria-pressed", String(tab.dataset.view === view));
  }
  render();
}

function setPane(pane: string): void {
  document.body.dataset.pane = pane;
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".pane-tab")) {
    tab.setAttribute("aria-pressed", String(tab.dataset.pane === pane));
  }
}

async function main(): Promise<void> {
  const config = await (await fetch("/config.json")).json() as Config;
  state.config = config;
  makeClient(config);
  const params = new URLSearchParams(location.search);
  const { venues } = await state.client!.getCatalogue(params.get("venue") ?? undefined);
  state.venue = venues[0];
  $("venue-name").textContent = state.venue.name;
  $<HTMLInputElement>("night").value = params.get("night") ?? nextOpenNight(state.venue);
  $<HTMLSelectElement>("slot").replaceChildren(
    ...state.venue.slots.map((s) => el("option", { value: s.slot_id }, s.label)),
  );
  if (params.get("slot")) $<HTMLSelectElement>("slot").value = params.get("slot")!;
  setPane(params.get("pane") ?? "floor");
  showView(params.get("view") === "guest" ? "guest" : "door");
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".tab")) {
    tab.addEventListener("click", () => {
      showView(tab.dataset.view as "door" | "guest");
      if (tab.dataset.view === "door") scheduleBookings();
    });
  }
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".pane-tab")) {
    tab.addEventListener("click", () => setPane(tab.dataset.pane!));
  }
  $("replay-at").addEventListener("change", showReplay);
  $("replay").addEventListener("submit", (event) => event.preventDefault());
  $("replay-live").addEventListener("click", () => startWatch());
  $("night").addEventListener("change", () => startWatch());
  $("slot").addEventListener("change", () => startWatch());
  $("search").addEventListener("input", scheduleBookings);
  $("arrival-filter").addEventListener("change", renderArrivals);
  $("walk-in").addEventListener("submit", seatWalkIn);
  $("walk-in-party").addEventListener("input", render);
  $("walk-in-table").addEventListener("change", showDeposit);
  $("walk-in-payment").addEventListener("change", showDeposit);
  $("party-size").addEventListener("input", render);
  globalThis.addEventListener("offline", checkLink);
  globalThis.addEventListener("online", checkLink);
  await setUpSignIn(config);
  await startWatch();
  document.body.dataset.ready = "true";
}

main().catch((error) => say(explain(error)));
