"""``python -m mcep_ld``: the same as the ``mcep`` command."""

import sys

from mcep_ld.cli import main

sys.exit(main())
