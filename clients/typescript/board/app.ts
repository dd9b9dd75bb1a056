// The door board and the guest view: plain DOM over the TypeScript client. It reads
// /config.json ({supabase_url, anon_key, local}); locally (`make serve`) it signs in through the
// local-only sign-in and hears the local Realtime stand-in, on a project through Supabase Auth
// and Realtime, with the same client code either way. Every table is an element with
// data-table-id (its uuid) and data-state (its state for the viewer).
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import {
  type AvailabilityTable,
  type AvailabilityWatch,
  BookingClient,
  BookingError,
  type BookingResult,
  type CatalogueVenue,
  type Database,
  holdCountdown,
  type NightBooking,
  SectionNotAvailable,
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
};

function say(message: string): void {
  $("message").textContent = message;
}

function explain(error: unknown): string {
  if (error instanceof SectionNotAvailable) return "That table was just taken. Alternatives are listed.";
  if (error instanceof BookingError) return `${error.code}: ${error.message}`;
  return String(error);
}

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

// ---------- the client and sign-in ----------

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

async function setUpSignIn(config: Config): Promise<void> {
  const form = $<HTMLFormElement>("sign-in");
  if (config.local) {
    const select = $<HTMLSelectElement>("local-user");
    const { staff } = await (await fetch("/auth/v1/local/users")).json() as { staff: LocalUser[] };
    select.replaceChildren(
      el("option", { value: "guest" }, "a new guest"),
      ...staff.map((user) => el("option", { value: user.id }, `${user.name} (${user.role})`)),
    );
    select.hidden = false;
    $("guest-name").hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const guestName = $<HTMLInputElement>("guest-name").value.trim() || "Guest";
      const body = select.value === "guest" ? { guest_name: guestName } : { user_id: select.value };
      const answer = await (await fetch("/auth/v1/local/sign-in", { method: "POST", body: JSON.stringify(body) }))
        .json();
      state.token = answer.access_token;
      const role = staff.find((user) => user.id === answer.user.id)?.role ?? "guest";
      await signedIn({ name: answer.user.name, role });
    });
  } else {
    $("email").hidden = false;
    $("password").hidden = false;
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
}

async function signedIn(who: { name: string; role: string }): Promise<void> {
  state.signedInAs = who;
  $("who").textContent = `${who.name}${who.role ? ` · ${who.role}` : ""}`;
  document.body.dataset.signedIn = who.role || "user";
  await state.supabase!.realtime.setAuth();
  await startWatch();
}

// ---------- the slot's live state ----------

const night = () => $<HTMLInputElement>("night").value;
const slot = () => $<HTMLSelectElement>("slot").value;

let watchGeneration = 0;

async function startWatch(): Promise<void> {
  const generation = ++watchGeneration;
  // Until the new watch has its snapshot, the badge says so: the old watch's "live" (the
  // public view before sign-in, another night or slot) is not this one's.
  const badge = $("link-status");
  badge.dataset.status = "connecting";
  badge.textContent = "connecting";
  await state.watch?.stop();
  state.watch = null;
  const watch = await state.client!.watchAvailability(state.venue!.venue_id, night(), slot(), {
    onUpdate: (update) => {
      if (generation !== watchGeneration) return;
      const badge = $("link-status");
      badge.dataset.status = update.status;
      badge.textContent = update.status === "refreshing" ? "Refreshing availability…" : update.status;
      render();
      if (update.kind === "event" && state.watch?.availability?.view === "staff") {
        void resolveNames(state.watch.availability.tables).catch(() => {});
      }
      if (update.kind === "event" && state.view === "door") scheduleBookings();
    },
  });
  if (generation !== watchGeneration) return void await watch.stop();
  state.watch = watch;
  render();
  if (state.view === "door") await loadBookings();
}

function render(): void {
  const availability = state.watch?.availability;
  if (!availability) return;
  document.body.dataset.availabilityView = availability.view;
  learnNames(availability.tables);
  $("version").textContent = `v${availability.version} · ${availability.view} view` +
    (availability.bookable ? "" : " · over or closed: nothing sells");
  renderFloors(availability.tables);
  renderWalkInTables(availability.tables);
  renderGuestOptions(availability.tables);
}

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

function tableTile(table: AvailabilityTable, onClick?: () => void): HTMLElement {
  const name = table.changed_by_name ?? (table.changed_by ? names.get(table.changed_by) : undefined);
  const who = name || table.changed_by_role ? `${name ?? "someone"} · ${table.changed_by_role ?? ""}` : "";
  const tile = el(
    "button",
    { className: "table", type: "button" },
    el("span", { className: "number" }, String(table.table_number)),
    el("span", { className: "name" }, table.name),
    el("span", { className: "seats" }, `${table.capacity_min}-${table.capacity_max} guests`),
    el("span", { className: "state" }, table.state.replace("_", " ")),
    el("span", { className: "who" }, [table.reference, table.customer_name, who].filter(Boolean).join(" · ")),
  );
  tile.dataset.tableId = table.table_id;
  tile.dataset.state = table.state;
  tile.dataset.tableNumber = String(table.table_number);
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

// ---------- tonight's bookings ----------

let bookingsTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleBookings(): void {
  clearTimeout(bookingsTimer);
  bookingsTimer = setTimeout(() => loadBookings().catch((error) => say(explain(error))), 150);
}

async function loadBookings(): Promise<void> {
  if (!state.signedInAs || state.signedInAs.role === "guest") return;
  const query = $<HTMLInputElement>("search").value.trim();
  const venueId = state.venue!.venue_id;
  const rows = query.length >= 2
    ? await state.client!.findBookings(venueId, query)
    : await state.client!.getNightBookings(venueId, night());
  $("bookings").replaceChildren(...rows.map(bookingRow));
}

function bookingRow(booking: NightBooking): HTMLElement {
  const actions = el(
    "span",
    { className: "actions" },
    el("span", { className: "status" }, booking.status.replace("_", " ")),
  );
  if (booking.status === "confirmed") {
    actions.append(
      el("button", {
        type: "button",
        className: "check-in",
        onclick: () => transition(() => state.client!.checkInBooking(booking.reference)),
      }, "Check in"),
      el("button", {
        type: "button",
        className: "no-show",
        onclick: () => transition(() => state.client!.markNoShow(booking.reference)),
      }, "No-show"),
    );
  }
  const item = el(
    "li",
    {},
    el(
      "span",
      {},
      el("strong", {}, booking.guest_name),
      el(
        "span",
        { className: "meta" },
        ` ${booking.reference} · ${booking.party_size} guests · table ${
          booking.table_numbers.join("+")
        } · ${booking.starts_local}`,
      ),
    ),
    actions,
  );
  item.dataset.reference = booking.reference;
  item.dataset.status = booking.status;
  return item;
}

async function transition(step: () => Promise<BookingResult>): Promise<void> {
  try {
    const result = await step();
    say(`${result.reference}: ${result.status.replace("_", " ")}`);
    await loadBookings();
  } catch (error) {
    say(explain(error));
  }
}

// ---------- walk-ins ----------

function renderWalkInTables(tables: AvailabilityTable[]): void {
  const select = $<HTMLSelectElement>("walk-in-table");
  const chosen = select.value;
  select.replaceChildren(
    ...tables.filter((t) => t.state === "available").map((t) =>
      el("option", { value: t.table_id }, `Table ${t.table_number} (${t.capacity_min}-${t.capacity_max})`)
    ),
  );
  if ([...select.options].some((option) => option.value === chosen)) select.value = chosen;
}

async function holdWalkIn(event: Event): Promise<void> {
  event.preventDefault();
  try {
    const venueId = state.venue!.venue_id;
    const phone = $<HTMLInputElement>("walk-in-phone").value.trim();
    const guestId = await state.client!.createGuest(
      venueId,
      $<HTMLInputElement>("walk-in-name").value,
      phone ? { phone } : {},
    );
    const hold = await state.client!.holdTables({
      venueId,
      date: night(),
      slotId: slot(),
      tableIds: [$<HTMLSelectElement>("walk-in-table").value],
      partySize: Number($<HTMLInputElement>("walk-in-party").value),
      customerId: guestId,
    });
    showHold($("walk-in-hold"), hold);
  } catch (error) {
    say(explain(error));
  }
}

// ---------- the guest view ----------

interface Option {
  label: string;
  tableIds: string[];
  capacity: string;
}

function guestOptions(tables: AvailabilityTable[], party: number): Option[] {
  const free = new Map(tables.filter((t) => t.state === "available").map((t) => [t.table_number, t]));
  const singles = [...free.values()]
    .filter((t) => t.capacity_min <= party && party <= t.capacity_max)
    .map((t) => ({
      label: `Table ${t.table_number} · ${t.name}`,
      tableIds: [t.table_id],
      capacity: `${t.capacity_min}-${t.capacity_max}`,
    }));
  const combinations = state.venue!.combinations
    .filter((c) => c.capacity_min <= party && party <= c.capacity_max && c.tables.every((n) => free.has(n)))
    .map((c) => ({
      label: c.name,
      tableIds: c.tables.map((n) => free.get(n)!.table_id),
      capacity: `${c.capacity_min}-${c.capacity_max}`,
    }));
  return [...singles, ...combinations];
}

function renderGuestOptions(tables: AvailabilityTable[]): void {
  const party = Number($<HTMLInputElement>("party-size").value);
  const options = guestOptions(tables, party);
  const list = options.map((option) => {
    const button = el(
      "button",
      { type: "button", className: "option", onclick: () => holdForGuest(option.tableIds) },
      `${option.label} (${option.capacity} guests)`,
    );
    button.dataset.tableIds = option.tableIds.join(",");
    return button;
  });
  $("guest-options").replaceChildren(
    el("h2", {}, options.length ? `Free for ${party}` : `Nothing free for ${party} in this slot`),
    ...list,
    el("div", { className: "tables" }, ...tables.map((t) => tableTile(t))),
  );
}

async function holdForGuest(tableIds: string[]): Promise<void> {
  try {
    const hold = await state.client!.holdTables({
      venueId: state.venue!.venue_id,
      date: night(),
      slotId: slot(),
      tableIds,
      partySize: Number($<HTMLInputElement>("party-size").value),
    });
    showHold($("guest-hold"), hold);
  } catch (error) {
    say(explain(error));
    if (error instanceof SectionNotAvailable) {
      $("guest-hold").replaceChildren(
        el("h2", {}, "Try instead"),
        ...error.alternatives.map((alternative) =>
          el(
            "button",
            { type: "button", className: "option", onclick: () => holdForGuest(alternative.table_ids) },
            `Tables ${alternative.table_numbers.join("+")} (${alternative.slot_id})`,
          )
        ),
      );
    }
  }
}

/**
 * A hold with its countdown and a submit button. The board takes no payments: where a deposit
 * is due, the submit carries the Stripe PaymentIntent the guest's payment goes through, and the
 * hold waits for that payment (the stripe-webhook function submits it when it arrives).
 */
function showHold(container: HTMLElement, hold: BookingResult): void {
  for (const countdown of state.countdowns) countdown.stop();
  const clock = el("div", { className: "countdown" });
  const submit = el("button", { type: "button", className: "submit" }, "Submit request");
  const status = el(
    "p",
    { className: "hold-status" },
    `Held: ${hold.reference} · deposit ${hold.deposit} ${hold.currency.toUpperCase()}`,
  );
  const payment = el("input", { className: "payment-reference", placeholder: "deposit payment reference (pi_...)" });
  const parts: Node[] = hold.deposit > 0 ? [status, clock, payment, submit] : [status, clock, submit];
  const box = el("div", { className: "hold" }, ...parts);
  box.dataset.reference = hold.reference;
  box.dataset.bookingId = hold.booking_id;
  container.replaceChildren(box);
  state.countdowns = [holdCountdown(hold.hold_expires_at!, (tick) => {
    clock.textContent = tick.label;
    clock.dataset.secondsLeft = String(tick.secondsLeft);
    clock.dataset.expired = String(tick.expired);
    if (tick.expired) submit.disabled = true;
  })];
  submit.addEventListener("click", async () => {
    try {
      const submitted = await state.client!.submitBooking(hold.booking_id, payment.value.trim() || undefined);
      box.dataset.status = submitted.status;
      box.dataset.awaitingPayment = String(submitted.awaiting_payment);
      if (submitted.awaiting_payment) {
        status.textContent = `${submitted.reference}: held, awaiting the deposit's payment`;
        return;
      }
      for (const countdown of state.countdowns) countdown.stop();
      status.textContent = `${submitted.reference}: ${submitted.status.replace("_", " ")}`;
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
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".tab")) {
    tab.setAttribute("aria-pressed", String(tab.dataset.view === view));
  }
  render();
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
  showView(params.get("view") === "guest" ? "guest" : "door");
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".tab")) {
    tab.addEventListener("click", () => {
      showView(tab.dataset.view as "door" | "guest");
      if (tab.dataset.view === "door") scheduleBookings();
    });
  }
  $("night").addEventListener("change", () => startWatch());
  $("slot").addEventListener("change", () => startWatch());
  $("search").addEventListener("input", scheduleBookings);
  $("walk-in").addEventListener("submit", holdWalkIn);
  $("party-size").addEventListener("input", render);
  await setUpSignIn(config);
  await startWatch();
  document.body.dataset.ready = "true";
}

main().catch((error) => say(explain(error)));
