-- Every table of public and private with its primary key's columns in key order (an empty array
-- where it has none): what an upgrade must keep, row by row.
select n.nspname::text as schema_name, c.relname::text as table_name,
       coalesce((select array_agg(a.attname::text order by k.ord)
                 from pg_catalog.pg_constraint pk
                 cross join lateral unnest(pk.conkey) with ordinality as k(attnum, ord)
                 join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                 where pk.conrelid = c.oid and pk.contype = 'p'), '{}') as key_columns
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('public', 'private') and c.relkind in ('r', 'p') and not c.relispartition
order by 1, 2
