// The bookings Edge Function (Supabase runs this file; the logic is in handler.ts).
import { handler } from "./handler.ts";

Deno.serve(handler);
