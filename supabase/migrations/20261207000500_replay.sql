-- =====================================================================================
-- Replay: a slot as it was at a time
-- =====================================================================================
-- Forward migration after v0.1.0: get_availability_at, the staff snapshot of a slot replayed
-- from its channel's events.

-- A slot's snapshot as it was at p_at (door and above): get_availability's staff shape, each
-- table in the state its channel's last event before p_at announced (available before any), the
-- channel's version then, and, for a taken table, the booking and who changed it as that event
-- recorded them (the booking's reference, guest and party as they are now). Replays what the
-- events table keeps: a night's events until two days after it (private.prune_events).
create function private.get_availability_at(p_venue_id uuid, p_date date, p_slot_id text, p_at timestamptz)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_now jsonb;
begin
  perform private.staff_view_rank(p_venue_id, 'door');
  if p_at is null then
    perform private.raise_error('INVALID_INPUT', 'the time to replay (p_at) is required');
  end if;
  v_now := private.get_availability(p_venue_id, p_date, p_slot_id);
  return v_now || jsonb_build_object(
    'at', p_at,
    'bookable', (v_now ->> 'ends_at')::timestamptz > p_at,
    'version', coalesce((select max(e.version) from public.availability_events e
                         where e.channel = v_now ->> 'channel' and e.created_at <= p_at), 0),
    'tables', coalesce((
      select jsonb_agg(
               (t.v - array['booking_id', 'reference', 'party_size', 'customer_name', 'hold_expires_at', 'block_id',
                            'block_kind', 'block_reason', 'release_at', 'changed_by', 'changed_by_name',
                            'changed_by_role', 'phone', 'email', 'deposit_paid', 'payment_reference',
                            'remaining_capacity'])
               || jsonb_build_object('state', coalesce(e.staff_payload ->> 'newState', 'available'))
               || case when e.staff_payload ->> 'newState' is distinct from 'available' and e.id is not null
                       then jsonb_strip_nulls(jsonb_build_object(
                              'booking_id', b.id, 'reference', b.reference, 'party_size', b.party_size,
                              'customer_name', c.full_name, 'reason', e.staff_payload ->> 'reason',
                              'changed_by', e.staff_payload -> 'actor' ->> 'id',
                              'changed_by_name', e.staff_payload -> 'actor' ->> 'name',
                              'changed_by_role', e.staff_payload -> 'actor' ->> 'role', 'changed_at', e.created_at))
                       else '{}'::jsonb end
               order by t.n)
      from jsonb_array_elements(v_now -> 'tables') with ordinality t(v, n)
      left join lateral (select e.id, e.staff_payload, e.created_at from public.availability_events e
                         where e.channel = v_now ->> 'channel' and e.table_id = (t.v ->> 'table_id')::uuid
                           and e.created_at <= p_at
                         order by e.version desc limit 1) e on true
      left join public.bookings b on b.id = (e.staff_payload ->> 'bookingId')::uuid
      left join public.customers c on c.id = b.customer_id), '[]'::jsonb));
end;
$$;

comment on function private.get_availability_at is
  'Staff: a slot''s snapshot as it was at a time, replayed from its channel''s events.';

create function public.get_availability_at(p_venue_id uuid, p_date date, p_slot_id text, p_at timestamptz)
returns jsonb
language sql stable
set search_path = ''
as $$ select private.get_availability_at(p_venue_id, p_date, p_slot_id, p_at) $$;

comment on function public.get_availability_at is
  'Staff: get_availability''s staff view of a slot as it was at p_at (replayed from the events).';

grant execute on function private.get_availability_at(uuid, date, text, timestamptz) to authenticated, service_role;

grant execute on function public.get_availability_at(uuid, date, text, timestamptz) to authenticated, service_role;
