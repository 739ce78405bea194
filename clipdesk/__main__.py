"""``python -m clipdesk`` behaves like the ``clipdesk`` command."""

import sys

from clipdesk.main import main

sys.exit(main())
