"""clubbooking_dev: the repository's tooling, installed editable by ``scripts/bootstrap.sh`` and never shipped.

``harness`` (throw-away and kept databases, migrations, seed), ``leeds`` (the seeded club's ids),
``demo``, ``checks`` (independent SQL checks), ``reliability`` (the fault-injecting checker) and
``commands`` (the dev commands it adds to the ``clubbooking`` CLI).
"""
