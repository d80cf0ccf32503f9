"""The hall server: cases shared by every desk and laptop of a business hall through PostgreSQL.

Qt-free. `merge` is the pure merge rule, `schema` the server's tables and roles, `connection` the
libpq-style connection with its TLS rule, `remote` one round's server side, `local` the drafts
file's bookkeeping, `engine` the SyncEngine the window and the `sync` command drive, `papers` the print log, card
images and scans it carries (images and scans only sealed).
"""

from desktop.files.lazy import attach

__getattr__, __dir__ = attach(
    __name__, ["cli", "connection", "engine", "local", "papers", "probe", "remote", "schema"]
)
