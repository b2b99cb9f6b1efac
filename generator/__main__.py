"""`python -m generator` is `gac`."""

from .cli import main

main()
