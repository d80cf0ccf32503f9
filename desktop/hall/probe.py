"""测试连接: one connection attempt with the server settings as typed, said in one Chinese line.

The settings dialog runs it on a worker thread. The line names the host and the desk's role, never
the password, and never repeats the server's own text (which could carry either).
"""

from __future__ import annotations

import psycopg

from desktop.hall import schema
from desktop.hall.connection import AuthFailed, HallError, Offline, connector, effective_params, where


def try_connection(url: str, ca_file: str | None = None, password: str | None = None) -> str:
    """What a connection with these settings gives when it works; HallError (its Chinese line says
    which: cannot reach, login refused, TLS refused, schema missing or newer) when it does not."""
    url = url.strip()
    if not url:
        raise HallError("请先填写营业厅服务器地址，如 postgresql://desk_xh01@hall-server/desk400")
    connect = connector(url, (ca_file or "").strip() or None, password=password or None)
    conn = connect()
    try:
        schema.check(conn)
        role = conn.info.user
    except HallError:
        raise
    except psycopg.errors.InsufficientPrivilege:
        raise AuthFailed(
            "这个登录角色不能读取案卷：请管理员用 desk400 server add-desk 建立柜台账号"
        ) from None
    except psycopg.Error:
        raise Offline("连接后立即中断，请稍后再试") from None
    finally:
        conn.close()
    return f"已连接服务器 {where(effective_params(url))}（柜台账号 {role}），可以同步"
