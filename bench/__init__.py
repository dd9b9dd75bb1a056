"""clubbooking benchmarks: ``python -m bench`` (``make bench``, ``make bench-quick``)."""
