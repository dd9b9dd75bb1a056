-- =============================================================================================
-- The hold path: a guest, the rules, a held booking
-- =============================================================================================
-- Who a request is for, the per-guest limits, refusals with alternatives (and the conflict
-- counter), and private.hold_tables: the atomic hold under the venue-night and table locks.

-- The customer a request is for: p_customer_id when staff (host+) or a trusted caller books
-- for a guest their club knows (any other id is "unknown customer", whether it exists or
-- not); else the caller's own customer row, created from the JWT on first use (never a guest
-- record a club made: what a club typed about a person stays the club's; a booking it made
-- for them reaches their account only when they claim it, private.claim_booking).
create function private.resolve_customer(p_venue_id uuid, p_customer_id uuid) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_claims jsonb := coalesce((select auth.jwt()), '{}'::jsonb);
  v_id uuid;
  v_dob date;
begin
  if p_customer_id is not null then
    perform private.require_staff(p_venue_id, 'host');
    if not private.club_knows_customer((select v.club_id from public.venues v where v.id = p_venue_id), p_customer_id) then
      perform private.raise_error('INVALID_INPUT', 'unknown customer', 'PT404');
    end if;
    return p_customer_id;
  end if;
  if v_uid is null or private.api_role() not in ('authenticated', 'service_role') and not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in to book', 'PT401');
  end if;
  select c.id, c.date_of_birth into v_id, v_dob from public.customers c where c.user_id = v_uid;
  if v_id is null then
    v_id := private.new_account_customer(v_uid, v_claims);
    select c.date_of_birth into v_dob from public.customers c where c.id = v_id;
  end if;
  -- The age gate needs a date of birth for a guest booking for themselves (staff and trusted
  -- callers booking for a walk-in check ID at the door instead).
  if v_dob is null and not private.is_trusted() and private.staff_role(p_venue_id) is null then
    perform private.raise_error('INVALID_INPUT',
      'a date of birth (user_metadata.date_of_birth, YYYY-MM-DD) is needed to book: the venue checks age');
  end if;
  return v_id;
end;
$$;

-- The customer record of an account on its first request: a new profile of its own from the
-- JWT (name, phone and email as the person gave them at sign-up), never a club's guest record
-- for the same email.
create function private.new_account_customer(p_uid uuid, p_claims jsonb) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
  -- The date of birth the guest gave at sign-up: in the token, else in their Auth user.
  v_dob text := coalesce(p_claims -> 'user_metadata' ->> 'date_of_birth',
                         (select u.raw_user_meta_data ->> 'date_of_birth' from auth.users u where u.id = p_uid));
begin
  insert into public.customers (user_id, email, phone, full_name, date_of_birth)
  values (p_uid,
          case when not exists (select 1 from public.customers c
                                where c.club_id is null and lower(c.email) = lower(p_claims ->> 'email'))
               then p_claims ->> 'email' end,
          p_claims ->> 'phone',
          p_claims -> 'user_metadata' ->> 'full_name',
          private.date_of_birth(v_dob))
  on conflict (user_id) do nothing
  returning id into v_id;
  if v_id is null then
    select c.id into v_id from public.customers c where c.user_id = p_uid;
  end if;
  return v_id;
end;
$$;

-- Claim a booking a club made for the caller (by the reference in the message sent to their
-- address): the signed-in account whose current address is confirmed, with no change pending,
-- and is the address on the club's guest record takes the booking into its own profile (the
-- club's record keeps what the club typed, unchanged and unlinked). Only a live booking that
-- has not ended. Any reference this account may not claim is the same INVALID_INPUT (PT404).
create function private.claim_booking(p_reference text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_email text;
  v_booking public.bookings;
  v_profile uuid;
begin
  if v_uid is null or private.api_role() <> 'authenticated' then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in to claim a booking', 'PT401');
  end if;
  if p_reference is null or length(p_reference) > 40 then
    perform private.raise_error('INVALID_INPUT', 'the booking''s reference (BR-YYMMDD-XXXXXX) is required');
  end if;
  v_email := private.caller_confirmed_email();
  select b.* into v_booking from public.bookings b join public.customers c on c.id = b.customer_id
  where b.reference = upper(btrim(p_reference)) and c.club_id is not null and c.user_id is null
    and c.forgotten_at is null and lower(c.email) = v_email
    and b.status in ('held', 'pending_approval', 'confirmed') and upper(b.period) > private.now()
  for update of b;
  if v_booking.id is null then
    perform private.raise_error('INVALID_INPUT',
      format('no booking %s made for your address to claim', left(btrim(p_reference), 40)), 'PT404');
  end if;
  v_profile := private.resolve_customer(v_booking.venue_id, null);
  update public.bookings b set customer_id = v_profile where b.id = v_booking.id returning * into v_booking;
  perform private.write_audit(v_booking.venue_id, 'booking', v_booking.id, 'booking_claimed', null, null, null,
    jsonb_build_object('customer_id', v_profile));
  return private.booking_result(v_booking);
end;
$$;

grant execute on function private.claim_booking(text) to authenticated;

-- A date of birth from the sign-up metadata: YYYY-MM-DD of a real past date, else
-- INVALID_INPUT (a contract error, never SQLSTATE 22007/22008); none is null. The age gate
-- trusts this date (the guest's own statement at sign-up, or staff's record), nothing more.
create function private.date_of_birth(p_text text) returns date
language plpgsql immutable
set search_path = ''
as $$
declare
  v_date date;
begin
  if p_text is null then
    return null;
  end if;
  if p_text ~ '^\d{4}-\d{2}-\d{2}$' then
    begin
      v_date := p_text::date;
    exception when datetime_field_overflow or invalid_datetime_format then
      v_date := null;  -- e.g. 2001-02-30: refused below like any malformed date
    end;
  end if;
  if v_date is null or v_date < date '1900-01-01' then
    perform private.raise_error('INVALID_INPUT', 'date_of_birth must be a date YYYY-MM-DD');
  end if;
  return v_date;
end;
$$;

-- May the caller see a booking's payment reference? Its guest, managers and admins of its
-- venue, and trusted callers (the webhook, the back office); hosts and door staff may not.
create function private.may_see_payment(p_booking public.bookings) returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return private.is_trusted()
      or (private.api_role() = 'authenticated' and p_booking.customer_id = private.my_customer_id())
      or private.is_venue_staff(p_booking.venue_id, 'manager');
end;
$$;

-- A booking as the RPCs return it (the payment reference only to those who may see it).
create function private.booking_result(p_booking public.bookings) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select jsonb_build_object(
    'booking_id', p_booking.id,
    'reference', p_booking.reference,
    'status', p_booking.status,
    'venue_id', p_booking.venue_id,
    'booking_date', p_booking.booking_date,
    'starts_at', lower(p_booking.period),
    'ends_at', upper(p_booking.period),
    'party_size', p_booking.party_size,
    'table_ids', (select coalesce(jsonb_agg(bt.table_id order by bt.table_id), '[]'::jsonb)
                  from public.booking_tables bt where bt.booking_id = p_booking.id and bt.released_at is null),
    'hold_expires_at', p_booking.hold_expires_at,
    'approval_expires_at', p_booking.approval_expires_at,
    'deposit', p_booking.deposit_total,
    'minimum_spend', p_booking.minimum_spend_total,
    'currency', (select v.currency from public.venues v where v.id = p_booking.venue_id),
    'deposit_paid', p_booking.deposit_total = 0 or p_booking.deposit_paid_at is not null,
    'awaiting_payment', p_booking.status = 'held' and p_booking.deposit_total > 0
                        and p_booking.deposit_paid_at is null and p_booking.payment_intent_id is not null,
    'deposit_due', greatest(p_booking.deposit_balance, 0),
    'deposit_refundable', greatest(-p_booking.deposit_balance, 0))
    || case when private.may_see_payment(p_booking)
            then jsonb_build_object('payment_reference', p_booking.payment_reference,
                                    'payment_intent_id', p_booking.payment_intent_id)
            else '{}'::jsonb end);
end;
$$;

-- An unguessable reference BR-YYMMDD-XXXXXX (night's date, 6 random characters A-Z0-9).
-- (one expression, no query: every hold makes one)
create function private.new_reference(p_night date) returns text
language plpgsql volatile
set search_path = ''
as $$
declare
  v_alphabet constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  v_bytes bytea := extensions.gen_random_bytes(6);
begin
  return 'BR-' || to_char(p_night, 'YYMMDD') || '-'
      || substr(v_alphabet, get_byte(v_bytes, 0) % 36 + 1, 1) || substr(v_alphabet, get_byte(v_bytes, 1) % 36 + 1, 1)
      || substr(v_alphabet, get_byte(v_bytes, 2) % 36 + 1, 1) || substr(v_alphabet, get_byte(v_bytes, 3) % 36 + 1, 1)
      || substr(v_alphabet, get_byte(v_bytes, 4) % 36 + 1, 1) || substr(v_alphabet, get_byte(v_bytes, 5) % 36 + 1, 1);
end;
$$;

-- Write a held booking and its claims (the caller has checked everything under the locks).
-- p_extra: reason, special_requests, occasion, promoter_code, idempotency_key, and status for
-- a booking that starts past held (a walk-in seated at once: no hold expiry).
create function private.insert_hold(p_venue public.venues, p_customer_id uuid, p_date date, p_period tstzrange,
                                    p_table_ids uuid[], p_party_size int, p_ttl interval, p_extra jsonb)
returns public.bookings
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan  -- as private.hold_tables (also called by waitlist offers)
as $$
declare
  v_booking public.bookings;
begin
  insert into public.bookings (venue_id, customer_id, reference, status, booking_date, period, party_size,
                               deposit_total, minimum_spend_total, hold_expires_at, status_reason,
                               special_requests, occasion, promoter_code, idempotency_key, created_by)
  select p_venue.id, p_customer_id, private.new_reference(p_date), coalesce(p_extra ->> 'status', 'held'), p_date,
         p_period, p_party_size, sum(t.deposit), sum(t.minimum_spend),
         case when p_extra ->> 'status' is null then private.now() + p_ttl end, coalesce(p_extra ->> 'reason', 'hold_created'),
         left(p_extra ->> 'special_requests', 2000), left(p_extra ->> 'occasion', 200),
         left(p_extra ->> 'promoter_code', 64), p_extra ->> 'idempotency_key', (select auth.uid())
  from public.venue_tables t where t.venue_id = p_venue.id and t.id = any (p_table_ids)
  returning * into v_booking;

  insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size,
                                     is_exclusive, expires_at)
  select p_venue.id, t.id, v_booking.id, p_date, p_period, p_party_size, not t.is_shared, v_booking.hold_expires_at
  from public.venue_tables t where t.venue_id = p_venue.id and t.id = any (p_table_ids);
  return v_booking;
end;
$$;

-- The per-guest limits (the caller holds the guest's lock for the night): MAX_TABLES_EXCEEDED
-- when p_tables more tables would take the guest past the night's limit, or p_open_tables
-- (default p_tables) past the limit of tables held at once, which counts every open request
-- too: holds (waiting for a payment or not) and requests waiting for approval. A request whose
-- time is over counts for nothing, whether or not anyone answered it.
create function private.check_guest_limits(p_venue public.venues, p_customer_id uuid, p_night date, p_tables int,
                                           p_open_tables int default null)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_night int;
  v_open int;
begin
  -- both counts in one read of the guest's live claims at the venue
  select count(*) filter (where b.booking_date = p_night),
         count(*) filter (where b.status in ('held', 'pending_approval'))
    into v_night, v_open
  from public.bookings b
  join public.booking_tables bt on bt.booking_id = b.id
  where b.customer_id = p_customer_id and b.venue_id = p_venue.id
    and (b.booking_date = p_night or (b.status in ('held', 'pending_approval') and upper(b.period) > (select private.now())))
    and bt.is_active and coalesce(bt.expires_at > (select private.now()), true);
  if v_night + p_tables > p_venue.max_tables_per_customer_night then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables per guest per night; %s already booked or held', p_venue.max_tables_per_customer_night, v_night));
  end if;
  if v_open + coalesce(p_open_tables, p_tables) > p_venue.max_held_tables_per_customer then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables held or awaiting approval at once; %s now', p_venue.max_held_tables_per_customer, v_open));
  end if;
end;
$$;

-- The tables a request names, sorted: distinct and not null (else INVALID_INPUT), no more than
-- a guest may have in a night (MAX_TABLES_EXCEEDED), every one an active table of the venue
-- (TABLE_NOT_FOUND); the ids and the count of the venue's in one read.
create function private.requested_tables(p_venue public.venues, p_table_ids uuid[]) returns uuid[]
language plpgsql stable
set search_path = ''
as $$
declare
  v_tables uuid[];
  v_found int;
begin
  select d.ids, (select count(*) from public.venue_tables t
                 where t.venue_id = p_venue.id and t.id = any (d.ids) and t.is_active)
    into v_tables, v_found
  from (select array(select distinct t from unnest(p_table_ids) t where t is not null order by 1) as ids) d;
  if cardinality(v_tables) = 0 or cardinality(v_tables) <> cardinality(p_table_ids) then
    perform private.raise_error('INVALID_INPUT', 'table ids must be distinct and not null');
  end if;
  if cardinality(v_tables) > p_venue.max_tables_per_customer_night then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables per guest per night', p_venue.max_tables_per_customer_night));
  end if;
  if v_found <> cardinality(v_tables) then
    perform private.raise_error('TABLE_NOT_FOUND', 'one or more tables are not tables of this venue');
  end if;
  return v_tables;
end;
$$;

comment on function private.requested_tables is 'The distinct sorted table ids a request names, checked against the venue (contract errors).';

-- Refuse a request for taken tables: count the conflict (outside the rolled-back work) and
-- raise SECTION_NOT_AVAILABLE with the alternatives as JSON; with p_alternatives false (a
-- client that holds a live snapshot and asked for none) the same shape with none listed.
create function private.refuse_taken(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                     p_party_size int, p_alternatives boolean default true)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.count_conflict(p_venue_id);
  perform private.raise_error('SECTION_NOT_AVAILABLE',
    case when p_alternatives is false then '{"reason": "taken", "alternatives": []}'
         else private.alternatives(p_venue_id, p_night, p_slot_id, p_period, p_party_size)::text end);
end;
$$;

-- Hold tables for a party: the one booking path under every RPC that creates a booking.
-- A slot (p_slot_id) or an explicit range (p_period) on the night p_date. All tables or
-- none. Repeating a call with the same p_idempotency_key returns the first booking. p_extra
-- (callers in this schema only) passes status and reason on to private.insert_hold. A refusal
-- lists alternatives unless p_alternatives is false.
create function private.hold_tables(
  p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[], p_party_size int,
  p_idempotency_key text default null, p_special_requests text default null, p_occasion text default null,
  p_promoter_code text default null, p_customer_id uuid default null, p_period tstzrange default null,
  p_extra jsonb default null, p_alternatives boolean default true)
returns jsonb
language plpgsql
security definer
set search_path = ''
-- One plan per statement for the session, everything it calls included: with a one-element
-- array a custom plan always looks cheaper than the generic one, so the plan cache re-planned
-- the table lookups and both inserts on every booking.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_venue public.venues;
  v_customer_id uuid;
  v_period tstzrange;
  v_tables uuid[];
  v_cap_min int;
  v_cap_max int;
  v_booking public.bookings;
begin
  if p_venue_id is null or p_date is null or p_party_size is null
     or p_table_ids is null or cardinality(p_table_ids) = 0 or (p_slot_id is null) = (p_period is null) then
    perform private.raise_error('INVALID_INPUT', 'venue, date, slot, tables and party size are required');
  end if;
  -- Every text argument within its limit (INVALID_INPUT, never an index row too large).
  perform private.text_arg('slot_id', p_slot_id, 40), private.text_arg('idempotency_key', p_idempotency_key, 255),
          private.text_arg('special_requests', p_special_requests, 2000), private.text_arg('occasion', p_occasion, 200),
          private.text_arg('promoter_code', p_promoter_code, 64);
  select * into v_venue from public.venues v where v.id = p_venue_id;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  v_customer_id := private.resolve_customer(p_venue_id, p_customer_id);
  if p_extra ? 'status' then
    -- only a party seated at the door (a walk-in) skips the hold: host and up
    if p_extra ->> 'status' is distinct from 'checked_in' then
      perform private.raise_error('INVALID_INPUT', 'a booking starts held, or checked in at the door');
    end if;
    perform private.require_staff(p_venue_id, 'host');
  end if;
  if p_promoter_code is not null
     and not exists (select 1 from public.promoters p where p.venue_id = p_venue_id and p.code = p_promoter_code) then
    perform private.raise_error('INVALID_INPUT', format('unknown promoter code %s', left(p_promoter_code, 64)));
  end if;

  if p_idempotency_key is not null then
    select * into v_booking from public.bookings b
    where b.customer_id = v_customer_id and b.idempotency_key = p_idempotency_key;
    if found then
      return private.booking_result(v_booking);
    end if;
  end if;

  if p_party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', p_party_size));
  end if;
  v_period := coalesce(p_period, private.slot_range(p_venue_id, p_date, p_slot_id));
  if v_period is null then
    perform private.raise_error('INVALID_INPUT', private.unknown_slot(p_venue_id, p_slot_id), 'PT404');
  end if;
  v_tables := private.requested_tables(v_venue, p_table_ids);
  select c.capacity_min, c.capacity_max into v_cap_min, v_cap_max from private.tables_capacity(p_venue_id, v_tables) c;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'these tables cannot be combined: pick a listed combination or neighbouring tables on one floor');
  end if;
  if p_party_size not between v_cap_min and v_cap_max then
    perform private.raise_error('CAPACITY_MISMATCH', jsonb_build_object(
      'party_size', p_party_size, 'capacity_min', v_cap_min, 'capacity_max', v_cap_max)::text);
  end if;

  -- A table already taken (a live claim committed before we looked) fails fast, before any
  -- lock: in a rush the losers never queue behind the winner's lock.
  if not private.tables_free(p_venue_id, p_date, v_tables, v_period, p_party_size) then
    perform private.refuse_taken(p_venue_id, p_date, p_slot_id, v_period, p_party_size, p_alternatives);
  end if;

  -- Serialise per guest (for the per-guest limits), then per table and night, in that order.
  perform private.lock_tables(v_tables, p_date, v_customer_id);
  perform private.expire_dead_holds(p_venue_id, p_date, v_tables, v_period);

  perform private.check_guest_limits(v_venue, v_customer_id, p_date, cardinality(v_tables));

  if not private.tables_free(p_venue_id, p_date, v_tables, v_period, p_party_size) then
    perform private.refuse_taken(p_venue_id, p_date, p_slot_id, v_period, p_party_size, p_alternatives);
  end if;

  v_booking := private.insert_hold(v_venue, v_customer_id, p_date, v_period, v_tables, p_party_size,
    v_venue.hold_ttl, jsonb_build_object('special_requests', p_special_requests, 'occasion', p_occasion,
                                         'promoter_code', p_promoter_code, 'idempotency_key', p_idempotency_key)
                      || coalesce(p_extra, '{}'::jsonb));
  return private.booking_result(v_booking);
end;
$$;

grant execute on function private.hold_tables(uuid, date, text, uuid[], int, text, text, text, text, uuid, tstzrange, jsonb, boolean) to authenticated, service_role;

create function public.hold_tables(p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[], p_party_size int,
                                   p_idempotency_key text default null, p_special_requests text default null,
                                   p_occasion text default null, p_promoter_code text default null,
                                   p_customer_id uuid default null, p_alternatives boolean default true)
returns jsonb
-- plpgsql, not sql: a SQL function with a SET clause is never inlined and is planned again on
-- every call (the hot path's largest fixed cost); a plpgsql body keeps its plan for the session.
language plpgsql set search_path = ''
as $$
begin
  return private.hold_tables(p_venue_id, p_date, p_slot_id, p_table_ids, p_party_size, p_idempotency_key,
                             p_special_requests, p_occasion, p_promoter_code, p_customer_id,
                             p_alternatives => p_alternatives);
end;
$$;

comment on function public.hold_tables is 'Hold tables for a slot: a held booking {booking_id, reference, hold_expires_at, deposit, ...}; a refusal (SECTION_NOT_AVAILABLE) lists alternatives unless p_alternatives is false.';

grant execute on function public.hold_tables(uuid, date, text, uuid[], int, text, text, text, text, uuid, boolean) to authenticated, service_role;

create function public.claim_booking(p_reference text) returns jsonb
language sql set search_path = ''
as $$ select private.claim_booking(p_reference) $$;

comment on function public.claim_booking is
  'The guest a club booked for, signed in with that confirmed address: take the booking (by its reference) into their own account.';

grant execute on function public.claim_booking(text) to authenticated;

-- Does a club know a guest: a record its staff made, or a booking or waitlist entry at one of
-- its venues? Clubs are tenants: staff act only for the guests their club knows.
create function private.club_knows_customer(p_club_id uuid, p_customer_id uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select exists (select 1 from public.customers c where c.id = p_customer_id and c.club_id = p_club_id)
      or exists (select 1 from public.bookings b join public.venues v on v.id = b.venue_id
                 where b.customer_id = p_customer_id and v.club_id = p_club_id)
      or exists (select 1 from public.waitlist_entries w join public.venues v on v.id = w.venue_id
                 where w.customer_id = p_customer_id and v.club_id = p_club_id)
$$;

create function private.conflict_sequence(p_venue_id uuid) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return 'private.conflicts_' || replace(p_venue_id::text, '-', '');
end;
$$;

-- Each venue gets its counter when it is created.
create function private.create_conflict_sequence() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  execute format('create sequence if not exists %s', private.conflict_sequence(new.id));
  return null;
end;
$$;

create trigger venues_conflict_counter after insert on public.venues
  for each row execute function private.create_conflict_sequence();

do $$
declare
  v_id uuid;
begin
  for v_id in select id from public.venues loop
    execute format('create sequence if not exists %s', private.conflict_sequence(v_id));
  end loop;
end
$$;

-- Count one rejected request at a venue (called just before SECTION_NOT_AVAILABLE is raised).
create function private.count_conflict(p_venue_id uuid) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.nextval(private.conflict_sequence(p_venue_id)::regclass);
end;
$$;
