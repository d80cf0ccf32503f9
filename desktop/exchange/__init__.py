"""Cases crossing machines: export and import of case files through the drafts store.

An application service, above the rooms it joins: `transfer` reads and writes case files
(desktop.files.casefile, sealed with desktop.files.sealing), asks the store for what to write and
what was handed over, and the hall's bookkeeping for what was last synced. The command line and
the window call it; nothing below it imports it (the layers contract in pyproject.toml).
"""
