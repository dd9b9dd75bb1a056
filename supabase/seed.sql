-- Demo data: The Backroom, a two-floor club in Leeds with 16 tables, open Friday and Saturday
-- nights 21:00-04:00 (Europe/London), two slots a night (the late one crosses midnight),
-- tables 15+16 combinable for parties of 7-12, and four staff accounts.
-- Fixed ids so the README, tests and tools can name them.

insert into public.clubs (id, name, slug)
values ('11111111-1111-4111-8111-111111111111', 'The Backroom', 'the-backroom');

insert into public.venues (id, club_id, name, timezone, opens_at, closes_at, open_days, requires_approval)
values ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111',
        'The Backroom Leeds', 'Europe/London', '21:00', '04:00', '{5,6}', true);

insert into public.floors (id, venue_id, name, level) values
  ('33333333-3333-4333-8333-333333333301', '22222222-2222-4222-8222-222222222222', 'upstairs', 1),
  ('33333333-3333-4333-8333-333333333302', '22222222-2222-4222-8222-222222222222', 'downstairs', 0);

insert into public.venue_tables (id, venue_id, floor_id, table_number, name, capacity_min, capacity_max, is_vip,
                                 minimum_spend, deposit, adjacent_numbers)
select ('44444444-4444-4444-8444-4444444444' || lpad(t.n::text, 2, '0'))::uuid,
       '22222222-2222-4222-8222-222222222222',
       case when t.n <= 8 then '33333333-3333-4333-8333-333333333301' else '33333333-3333-4333-8333-333333333302' end::uuid,
       t.n, t.name, t.cmin, t.cmax, t.vip, t.spend, t.deposit, t.adjacent
from (values
  ( 1, 'Table 1',            2,  4, false, 150, 50,  '{2}'::int[]),
  ( 2, 'Table 2',            2,  4, false, 150, 50,  '{1,3}'),
  ( 3, 'Table 3',            4,  6, false, 250, 50,  '{2,4}'),
  ( 4, 'Table 4',            4,  6, false, 250, 50,  '{3}'),
  ( 5, 'Mezzanine Booth 5',  6,  8, true,  500, 100, '{6}'),
  ( 6, 'Mezzanine Booth 6',  6,  8, true,  500, 100, '{5}'),
  ( 7, 'Table 7',            2,  4, false, 150, 50,  '{8}'),
  ( 8, 'Balcony VIP 8',      4,  8, true,  600, 100, '{7}'),
  ( 9, 'Table 9',            2,  4, false, 150, 50,  '{10}'),
  (10, 'Table 10',           2,  4, false, 150, 50,  '{9,11}'),
  (11, 'Table 11',           4,  6, false, 250, 50,  '{10,12}'),
  (12, 'Table 12',           4,  6, false, 250, 50,  '{11}'),
  (13, 'DJ Booth VIP 13',    6, 10, true,  750, 150, '{14}'),
  (14, 'DJ Booth VIP 14',    6, 10, true,  750, 150, '{13}'),
  (15, 'Backroom 15',        3,  6, false, 300, 75,  '{16}'),
  (16, 'Backroom 16',        3,  6, false, 300, 75,  '{15}')
) as t(n, name, cmin, cmax, vip, spend, deposit, adjacent);

insert into public.table_combinations (venue_id, name, table_ids, capacity_min, capacity_max)
values ('22222222-2222-4222-8222-222222222222', 'Backroom 15+16',
        array['44444444-4444-4444-8444-444444444415', '44444444-4444-4444-8444-444444444416']::uuid[], 7, 12);

insert into public.venue_slots (venue_id, slot_id, label, starts_at, duration) values
  ('22222222-2222-4222-8222-222222222222', 'slot_21_00', 'Early (21:00-23:30)', '21:00', interval '2 hours 30 minutes'),
  ('22222222-2222-4222-8222-222222222222', 'slot_23_30', 'Late (23:30-04:00)', '23:30', interval '4 hours 30 minutes');

-- The staff's Auth accounts, as GoTrue writes a confirmed email sign-up (on a real project,
-- invite them instead: invite_staff).
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email, '', now(),
       '{"provider": "email", "providers": ["email"]}', u.meta, now(), now()
from (values
  ('55555555-5555-4555-8555-555555555501'::uuid, 'admin@backroom.example', '{"full_name": "Ada Admin"}'::jsonb),
  ('55555555-5555-4555-8555-555555555502', 'manager@backroom.example', '{"full_name": "Mo Manager"}'),
  ('55555555-5555-4555-8555-555555555503', 'host@backroom.example', '{"full_name": "Hana Host"}'),
  ('55555555-5555-4555-8555-555555555504', 'door@backroom.example', '{"full_name": "Dev Door"}')) as u(id, email, meta);

insert into public.staff_members (venue_id, user_id, role) values
  ('22222222-2222-4222-8222-222222222222', '55555555-5555-4555-8555-555555555501', 'admin'),
  ('22222222-2222-4222-8222-222222222222', '55555555-5555-4555-8555-555555555502', 'manager'),
  ('22222222-2222-4222-8222-222222222222', '55555555-5555-4555-8555-555555555503', 'host'),
  ('22222222-2222-4222-8222-222222222222', '55555555-5555-4555-8555-555555555504', 'door');
