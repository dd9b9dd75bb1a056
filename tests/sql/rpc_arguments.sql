-- The input arguments of every function of schema public with a given name, one row per
-- argument (a function without arguments gives one row with a null name): the overload's
-- signature, the argument's name and type (as format_type prints it, which is how
-- clubbooking.rpc spells types), whether it has a default, and whether the function
-- returns rows (set-returning) or one value.
with fn as (
  select p.oid, p.pronargs, p.pronargdefaults, p.proretset,
         p.proargnames, coalesce(p.proallargtypes, p.proargtypes::oid[]) as types,
         coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs::int])) as modes
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public' and p.proname = %(name)s
), input as (
  select fn.oid, a.name, a.type,
         row_number() over (partition by fn.oid order by a.ord) as position
  from fn
  cross join lateral unnest(fn.proargnames, fn.types, fn.modes) with ordinality as a(name, type, mode, ord)
  where a.mode in ('i', 'b', 'v')
)
select fn.oid::regprocedure::text as signature,
       input.name,
       pg_catalog.format_type(input.type, null) as type,
       coalesce(input.position > fn.pronargs - fn.pronargdefaults, false) as has_default,
       fn.proretset as returns_rows
from fn
left join input on input.oid = fn.oid
order by signature, input.position
