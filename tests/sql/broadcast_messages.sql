-- What Supabase Broadcast would deliver on a topic: the rows realtime.send() recorded, in
-- version order.
select m.event, m.payload
from realtime.messages m
where m.topic = %(topic)s and m.private = %(private)s and m.extension = 'broadcast'
order by (m.payload ->> 'version')::bigint
