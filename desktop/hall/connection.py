"""Connecting to the hall server the libpq way, and refusing an unsafe connection before it is made.

The URL names the server and the desk's role; the password comes from the OS keyring (when the
`keyring` package is installed and the settings dialog stored one) or from libpq's own sources
(`PGPASSWORD`, `~/.pgpass`, a service file). Nothing secret is stored in the drafts file, and no
message here ever repeats the URL's password or any server text that could carry one.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from desktop.files.safefile import shown

KEYRING_SERVICE = "desk400-hall"
CONNECT_TIMEOUT_S = 5
# The desk's own limits, set on every connection (the server's per-role limits are the backstop):
# a lock held by another desk makes a round fail as 「服务器忙」 instead of waiting for ever.
SESSION_LIMITS = (
    "-c lock_timeout=5000 -c statement_timeout=20000 -c idle_in_transaction_session_timeout=60000"
)
LOCAL_NAMES = ("localhost",)

Connector = Callable[[], psycopg.Connection]


class HallError(Exception):
    """A hall-server failure the agent can read: one Chinese line, no secret, exit status 2."""


class Offline(HallError):
    """The server cannot be reached (network, server down, connection dropped)."""


class AuthFailed(HallError):
    """The server refused the desk's role or password."""


class UnsafeConnection(HallError):
    """The URL would send the password or the cases over an unverified or unencrypted link."""


class SchemaMismatch(HallError):
    """The server's schema is missing, older or newer than this desk400 knows."""


class ServerBusy(Offline):
    """A statement waited longer than the desk's own lock or statement timeout (another desk
    holds a lock, or the server is overloaded): nothing was changed here, the edit stays pending."""


def parse_url(url: str) -> dict[str, str]:
    """The URL's connection parameters; a malformed URL is an UnsafeConnection-free HallError."""
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except psycopg.ProgrammingError:
        raise HallError(
            "服务器地址格式不对：应为 postgresql://desk_xh01@服务器/desk400 这样的连接地址"
        ) from None
    timeout = params.get("connect_timeout")
    # psycopg reads connect_timeout itself and raises a bare ProgrammingError on a non-number.
    if timeout is not None and not timeout.strip().lstrip("-").isdigit():
        raise HallError(
            f"服务器地址里的 connect_timeout={shown(timeout, 20)} 不对：应为秒数（整数），例如 connect_timeout=5"
        )
    return params


def is_local_host(host: str) -> bool:
    """A Unix socket (a path, or no host at all) or a loopback address."""
    if not host or host.startswith("/") or host.startswith("@") or host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def effective_params(url: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The URL's parameters with libpq's environment defaults (PGHOST, PGSSLMODE…) filled in."""
    env = os.environ if env is None else env
    params = parse_url(url)
    for key, var in (
        ("host", "PGHOST"),
        ("hostaddr", "PGHOSTADDR"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
    ):
        if key not in params and env.get(var):
            params[key] = env[var]
    return params


def secure_params(
    url: str, ca_file: str | None = None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The parameters to connect with, or UnsafeConnection when a remote host lacks verified TLS.

    A remote host gets `sslmode=verify-full` when the URL names no mode, and the hall's CA file from
    the settings when the URL names none; any weaker mode, or no CA file, is refused.
    """
    params = effective_params(url, env)
    if params.get("service") and "host" not in params:
        raise UnsafeConnection(
            "服务器地址使用了 service 而没有写明主机：请在地址里写明服务器主机名，以便检查加密设置"
        )
    hosts = [h for h in params.get("host", "").split(",")] + [
        h for h in params.get("hostaddr", "").split(",") if h
    ]
    if all(is_local_host(h.strip()) for h in hosts):
        return params
    mode = params.setdefault("sslmode", "verify-full")
    if mode != "verify-full":
        raise UnsafeConnection(
            f"连接其他主机必须使用 sslmode=verify-full（现在是 {mode}），以免密码和案卷以未验证的方式传输；"
            "请在地址中改为 sslmode=verify-full 并在设置里指定营业厅的 CA 证书文件"
        )
    if "sslrootcert" not in params and ca_file:
        params["sslrootcert"] = ca_file
    root = params.get("sslrootcert", "")
    if not root or root == "system" or not Path(root).is_file():
        raise UnsafeConnection(
            "连接其他主机需要营业厅的 CA 证书文件：请在 设置 → 服务器 里指定它（sslrootcert）"
        )
    return params


def keyring_password(params: Mapping[str, str]) -> str | None:
    """The password the settings dialog stored for this role and server, if keyring is available."""
    if "password" in params:
        return None
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_user(params))
    except (KeyringError, RuntimeError):
        return None


def keyring_user(params: Mapping[str, str]) -> str:
    """The keyring entry's user name: role@host:port/dbname (the password's scope)."""
    user = params.get("user") or os.environ.get("PGUSER", "")
    host = params.get("host") or os.environ.get("PGHOST", "")
    port = params.get("port") or os.environ.get("PGPORT", "5432")
    dbname = params.get("dbname") or os.environ.get("PGDATABASE", "")
    return f"{user}@{host}:{port}/{dbname}"


def remember_password(url: str, password: str) -> None:
    """Keep the desk's password in the OS keyring, scoped to the URL's role and server (what the
    settings dialog writes and `connector` reads). HallError when there is no usable keyring."""
    params = effective_params(url)
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise HallError(NO_KEYRING) from None
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_user(params), password)
    except (KeyringError, RuntimeError):
        raise HallError(NO_KEYRING) from None


NO_KEYRING = "本机没有可用的系统钥匙串，密码未保存：请改用 ~/.pgpass 或环境变量 PGPASSWORD 提供密码"


def connector(url: str, ca_file: str | None = None, *, password: str | None = None) -> Connector:
    """A function that opens a new checked connection to the server of `url` (autocommit off).

    `password` (typed in the settings dialog, not yet saved) wins over the keyring's and libpq's."""
    params = secure_params(url, ca_file)

    def connect() -> psycopg.Connection:
        # Our defaults first: what the URL itself says (its own connect_timeout) wins.
        options: dict[str, str] = {
            "connect_timeout": str(CONNECT_TIMEOUT_S),
            "application_name": "desk400",
            **params,
        }
        options["options"] = f"{SESSION_LIMITS} {params.get('options', '')}".strip()
        secret = password if password else keyring_password(params)
        if secret is not None:
            options["password"] = secret
        try:
            conn = psycopg.connect(make_conninfo("", **options))
        except psycopg.OperationalError as exc:
            raise classify(exc, params) from None
        _recheck(conn)
        return conn

    return connect


def where(params: Mapping[str, str]) -> str:
    """Host and port for a message (never the user's password)."""
    host = params.get("host") or "本机"
    return f"{host}:{params['port']}" if params.get("port") else host


def classify(exc: psycopg.Error, params: Mapping[str, str]) -> HallError:
    """One Chinese line for a failed connection; libpq's own text is not repeated."""
    text = str(exc).lower()
    place = where(params)
    if "password" in text or "authentication" in text or ("role" in text and "does not exist" in text):
        return AuthFailed(
            f"服务器 {place} 拒绝了登录：用户名或密码不对。请检查 设置 → 服务器 里的地址和密码（或 ~/.pgpass）"
        )
    if "database" in text and "does not exist" in text:
        return Offline(f"服务器 {place} 上没有地址里写的数据库，请检查地址")
    if "does not support ssl" in text:
        return Offline(
            f"服务器 {place} 不支持加密连接（SSL），而地址要求加密（sslmode）：请管理员为服务器开启 SSL，"
            "或在本机连接时去掉 sslmode=require"
        )
    if "certificate" in text or "ssl" in text:
        return Offline(f"无法与服务器 {place} 建立加密连接：证书不对或不受信任，请检查 CA 证书文件和主机名")
    return Offline(f"无法连接服务器 {place}：网络不通或服务器未运行，稍后会自动重试")


def _recheck(conn: psycopg.Connection) -> None:
    """Refuse a connection that reached a remote host without verify-full (a service file can say so)."""
    actual = conninfo_to_dict(conn.info.dsn)
    host = conn.info.host
    if not is_local_host(host) and actual.get("sslmode") != "verify-full":
        conn.close()
        raise UnsafeConnection("连接其他主机必须使用 sslmode=verify-full 和营业厅的 CA 证书文件；连接已断开")
