"""``python -m framecap``: the same program as the ``framecap`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
