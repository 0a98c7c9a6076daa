"""`python -m liquidity ...` is the `liquidity` command."""
import sys

from .publish.cli import main

sys.exit(main())
