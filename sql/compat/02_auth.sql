-- Supabase Auth's schema as GoTrue leaves it, for a plain PostgreSQL: auth.users with every
-- column GoTrue's migrations (supabase/auth, migrations/) give it, and the claim helpers
-- auth.uid(), auth.role(), auth.email(), auth.jwt() (20220224000811, 20220531120530).
-- Run as supabase_admin; owned by supabase_auth_admin, postgres granted all (supabase/postgres
-- 20211115181400, demote-postgres). GoTrue fills the columns itself: a row made in SQL gets no
-- defaults beyond GoTrue's own (email_confirmed_at stays null until the address is confirmed).
-- Guarded: skipped where the auth schema already exists (Supabase).
do $outer$
begin
  if exists (select 1 from pg_catalog.pg_namespace where nspname = 'auth') then
    return;
  end if;

  create schema auth authorization supabase_admin;
  grant usage on schema auth to anon, authenticated, service_role, postgres;
  grant all privileges on schema auth to supabase_auth_admin;

  create table auth.users (
    instance_id uuid null,
    id uuid not null unique,
    aud varchar(255) null,
    "role" varchar(255) null,
    email varchar(255) null,
    encrypted_password varchar(255) null,
    email_confirmed_at timestamptz null,
    invited_at timestamptz null,
    confirmation_token varchar(255) null,
    confirmation_sent_at timestamptz null,
    recovery_token varchar(255) null,
    recovery_sent_at timestamptz null,
    email_change_token_new varchar(255) null,
    email_change varchar(255) null,
    email_change_sent_at timestamptz null,
    last_sign_in_at timestamptz null,
    raw_app_meta_data jsonb null,
    raw_user_meta_data jsonb null,
    is_super_admin bool null,
    created_at timestamptz null,
    updated_at timestamptz null,
    phone text null unique default null,
    phone_confirmed_at timestamptz null default null,
    phone_change text null default '',
    phone_change_token varchar(255) null default '',
    phone_change_sent_at timestamptz null default null,
    confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
    email_change_token_current varchar(255) null default '',
    email_change_confirm_status smallint default 0
      check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
    banned_until timestamptz null,
    reauthentication_token varchar(255) null default '',
    reauthentication_sent_at timestamptz null default null,
    is_sso_user boolean not null default false,
    deleted_at timestamptz null,
    is_anonymous boolean not null default false,
    constraint users_pkey primary key (id)
  );
  comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
  comment on column auth.users.is_sso_user is
    'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';
  create index users_instance_id_email_idx on auth.users using btree (instance_id, lower(email));
  create index users_instance_id_idx on auth.users using btree (instance_id);
  create unique index confirmation_token_idx on auth.users using btree (confirmation_token)
    where confirmation_token !~ '^[0-9 ]*$';
  create unique index recovery_token_idx on auth.users using btree (recovery_token)
    where recovery_token !~ '^[0-9 ]*$';
  create unique index email_change_token_current_idx on auth.users using btree (email_change_token_current)
    where email_change_token_current !~ '^[0-9 ]*$';
  create unique index email_change_token_new_idx on auth.users using btree (email_change_token_new)
    where email_change_token_new !~ '^[0-9 ]*$';
  create unique index reauthentication_token_idx on auth.users using btree (reauthentication_token)
    where reauthentication_token !~ '^[0-9 ]*$';
  create unique index users_email_partial_key on auth.users (email) where (is_sso_user = false);
  comment on index auth.users_email_partial_key is 'Auth: A partial unique index that applies only when is_sso_user is false';
  create index users_is_anonymous_idx on auth.users using btree (is_anonymous);
  alter table auth.users enable row level security;
  alter table auth.users owner to supabase_auth_admin;
  grant all on auth.users to postgres;

  create function auth.uid() returns uuid
  language sql stable
  as $$
    select
    coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
  $$;

  create function auth.role() returns text
  language sql stable
  as $$
    select
    coalesce(
      nullif(current_setting('request.jwt.claim.role', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
  $$;

  create function auth.email() returns text
  language sql stable
  as $$
    select
    coalesce(
      nullif(current_setting('request.jwt.claim.email', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
  $$;

  create function auth.jwt() returns jsonb
  language sql stable
  as $$
    select
      coalesce(
          nullif(current_setting('request.jwt.claim', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
  $$;

  comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
  comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';
  comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';
  alter function auth.uid() owner to supabase_auth_admin;
  alter function auth.role() owner to supabase_auth_admin;
  alter function auth.email() owner to supabase_auth_admin;
  alter function auth.jwt() owner to supabase_auth_admin;
  grant all on all routines in schema auth to postgres;
end
$outer$;
