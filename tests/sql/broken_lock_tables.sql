-- A deliberately broken booking core for the reliability checker's own test: the table
-- locks become a no-op, so two requests for one table race between check and insert.
create or replace function private.lock_tables(p_table_ids uuid[], p_night date, p_customer_id uuid default null)
returns void
language plpgsql
set search_path = ''
as $$
begin
  null;
end;
$$;
