"""Files on disk that are not the drafts file: case files and their sealing, moving cases between
machines, safe writes, where the app's data lives, and the disk cache of parsed forms.

`casefile` reads and writes the case file contract strictly; `transfer` is export/import through
the store; `sealing` seals case files to the hall with age; `safefile` is the one way output is
written (exclusive temporary file, fsync, rename) and input read (regular files only); `paths`
knows every folder; `diskcache` keeps parsed forms and font tables between starts; `platform`
knows the system's file semantics (binary descriptors, durable writes, locking, SQLite URIs for
shares, long paths, console encoding) that every module opening a file by descriptor goes through.
"""
