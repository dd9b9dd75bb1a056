-- =====================================================================================
-- Grants: least privilege, one grant per function signature per role
-- =====================================================================================

-- Tables: the catalogue to everyone, customer data to signed-in users (RLS filters rows),
-- nothing writable by anon or authenticated. service_role, like on Supabase, may do all.
revoke all on all tables in schema public from anon, authenticated;
grant select on public.clubs, public.venues, public.floors, public.venue_tables, public.table_combinations,
                public.venue_slots to anon, authenticated;
grant select on public.customers, public.staff_members, public.bookings, public.booking_tables,
                public.table_blocks, public.waitlist_entries, public.audit_log to authenticated;
grant select (id, channel, venue_id, booking_date, slot_id, version, table_id, payload, created_at)
  on public.availability_events to anon, authenticated;
grant select, insert, update, delete on all tables in schema public to service_role;
revoke update, delete, truncate on public.audit_log from service_role;
grant usage, select on all sequences in schema public to service_role;

-- Functions: nothing for PUBLIC; then each RPC wrapper and the private function it calls.
revoke execute on all functions in schema public, private from public;
revoke all on all procedures in schema private from public;

do $grants$
declare
  v_grant record;
begin
  for v_grant in
    select * from (values
      -- function signature (arguments)                                        roles
      ('get_availability(uuid, date, text)',                                     'anon, authenticated, service_role'),
      ('get_availability_events(text, bigint)',                                  'anon, authenticated, service_role'),
      ('check_table_availability(uuid, date, time, time, uuid)',                 'anon, authenticated, service_role'),
      ('get_optimal_table_combinations(uuid, date, time, time, int)',            'anon, authenticated, service_role'),
      ('get_user_role(uuid, uuid)',                                              'anon, authenticated, service_role'),
      ('hold_tables(uuid, date, text, uuid[], int, text, text, text, text, uuid)', 'authenticated, service_role'),
      ('submit_booking(uuid, text)',                                             'authenticated, service_role'),
      ('approve_booking(uuid, text)',                                            'authenticated, service_role'),
      ('reject_booking(uuid, text)',                                             'authenticated, service_role'),
      ('cancel_booking(uuid, text, text)',                                       'authenticated, service_role'),
      ('check_in_booking(uuid, text)',                                           'authenticated, service_role'),
      ('mark_no_show(uuid, text)',                                               'authenticated, service_role'),
      ('block_tables(uuid, date, uuid[], text, text, text, timestamptz, boolean)', 'authenticated, service_role'),
      ('unblock_tables(uuid[], text)',                                           'authenticated, service_role'),
      ('join_waitlist(uuid, date, text, int, text)',                             'authenticated, service_role'),
      ('create_booking_atomic(uuid, text, text, text, uuid[], date, time, time, int, uuid, text, text, text)',
                                                                                 'authenticated, service_role'),
      ('acquire_table_lock(uuid, uuid, int)',                                    'authenticated, service_role'),
      ('booking_system_health()',                                                'authenticated, service_role'),
      ('expire_holds()',                                                         'service_role'),
      ('cleanup_expired_locks()',                                                'service_role'),
      ('acquire_booking_lock(uuid, date, time)',                                 'service_role'),
      ('release_booking_lock(uuid, date, time)',                                 'service_role')
    ) as g(signature, roles)
  loop
    execute format('grant execute on function public.%s to %s', v_grant.signature, v_grant.roles);
    -- The invoker wrapper calls the private function of the same name with the caller's rights.
    execute format('grant execute on function private.%s to %s',
      case v_grant.signature
        when 'hold_tables(uuid, date, text, uuid[], int, text, text, text, text, uuid)'
          then 'hold_tables(uuid, date, text, uuid[], int, text, text, text, text, uuid, tstzrange)'
        when 'expire_holds()' then 'expire_holds(int)'
        when 'cancel_booking(uuid, text, text)' then 'cancel_booking(uuid, text)'
        when 'check_in_booking(uuid, text)' then 'check_in_booking(uuid)'
        when 'mark_no_show(uuid, text)' then 'mark_no_show(uuid)'
        else v_grant.signature end,
      v_grant.roles);
  end loop;
end
$grants$;

-- Helpers that RLS policies and the invoker wrappers evaluate as the caller.
grant execute on function private.staff_venue_ids(text), private.my_customer_id(),
  private.may_join_staff_channel(text), private.is_trusted(), private.api_role(),
  private.raise_error(text, text, text)
  to anon, authenticated, service_role;
-- The transitions' wrappers resolve a booking reference to its id.
grant execute on function private.booking_id_for(uuid, text) to authenticated, service_role;
