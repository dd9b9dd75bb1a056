"""``python -m bench [--quick] [--only rush,throughput,...]``."""

import sys

from bench.run import main

sys.exit(main())
