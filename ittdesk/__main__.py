"""``python -m ittdesk``: the same as the ``ittdesk`` command."""

import sys

from main import main

sys.exit(main())
