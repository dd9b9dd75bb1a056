"""A Jepsen-style checker for clubbooking: a randomized, fault-injecting workload and the
invariants that prove nothing was lost or doubled.

``workload`` runs many concurrent clients calling every RPC on a few hot slots and records every
request and its outcome (``history``); ``faults`` kills sessions, crashes and restarts the
server, sets tiny statement timeouts and jumps the test clock (``clubbooking.now``);
``invariants`` checks the database against the history after each run; ``runner`` ties them
together and prints the table; ``soak`` watches connection and memory growth.
Run it with ``python -m clubbooking_dev.reliability run`` (``make reliability``).
"""

from clubbooking_dev.reliability.runner import RunConfig, RunReport, run

__all__ = ["RunConfig", "RunReport", "run"]
