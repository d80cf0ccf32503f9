"""desk400: fill, check, keep and print the 400-number application bundle."""

from __future__ import annotations


def version() -> str:
    """The version in pyproject.toml (shipped beside forms/ in the frozen app too): one source of truth."""
    import tomllib

    from desktop import paths

    with (paths.root() / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]
