// Idempotency-Key for POSTs: the first answer to a key is stored with the RPC's own
// transaction (private.idempotency_begin / _finish) and replayed for a repeat; a key reused
// for a different request is INVALID_INPUT. anon callers have no key space (they can't book).
import type { Claims } from "./auth.ts";
import { asCaller, type Tx } from "./db.ts";
import { json, requestId } from "./http.ts";

export interface Outcome {
  status: number;
  body: unknown;
}

/**
 * Run an RPC as the caller under an optional Idempotency-Key and answer with its outcome.
 * `route` and `request` identify the request the key was first used for.
 */
export async function idempotentCall(
  req: Request,
  claims: Claims,
  route: string,
  request: unknown,
  run: (tx: Tx) => Promise<Outcome>,
): Promise<Response> {
  const key = req.headers.get("Idempotency-Key");
  const keyed = key !== null && claims.role !== "anon";
  const { outcome, replayed } = await asCaller(claims, requestId(req), async (tx) => {
    if (keyed) {
      const [{ replay }] = await tx`select private.idempotency_begin(${key}, ${route},
                                                                    ${JSON.stringify(request)}::text::jsonb) as replay`;
      if (replay) return { outcome: replay as Outcome, replayed: true };
    }
    const fresh = await run(tx);
    if (keyed) {
      await tx`select private.idempotency_finish(${key}, ${fresh.status}, ${JSON.stringify(fresh.body)}::text::jsonb)`;
    }
    return { outcome: fresh, replayed: false };
  });
  return json(outcome.status, outcome.body, keyed ? { "Idempotent-Replayed": String(replayed) } : {});
}
