"""Files on disk that are not the drafts file: case files and their sealing, safe writes, where
the app's data lives, and the disk cache of parsed forms. The lowest room: it imports no other.

`casefile` reads and writes the case file contract strictly (moving cases between machines
through the store is desktop.exchange); `sealing` seals case files to the hall with age; `safefile` is the one way output is
written (exclusive temporary file, fsync, rename) and input read (regular files only); `paths`
knows every folder; `values` what a field holds and when it is empty; `diskcache` keeps parsed forms and font tables between starts; `platform`
knows the system's file semantics (binary descriptors, durable writes, locking, SQLite URIs for
shares, long paths, console encoding) that every module opening a file by descriptor goes through.
"""

from desktop.files.lazy import attach

__getattr__, __dir__ = attach(__name__, ["casefile", "diskcache", "paths", "safefile", "sealing", "values"])
