"""Allow ``python -m alignpro``."""

import sys

from alignpro.cli import main

sys.exit(main())
