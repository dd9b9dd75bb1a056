-- Diagnostic (a rush clone only): SECTION_NOT_AVAILABLE without computing alternatives, to
-- show how much of a failed hold's time, spent under the table's lock, the alternatives take.
create or replace function private.alternatives(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                                p_party_size int, p_limit int default 5)
returns jsonb
language sql stable
set search_path = ''
as $$ select '{"reason": "taken", "alternatives": []}'::jsonb $$;
