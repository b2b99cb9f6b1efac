"""`python -m generator` is `gac`."""

from .entry import main

main()
