"""desk400: fill, check, keep and print the 400-number application bundle."""

__version__ = "0.1.0"
