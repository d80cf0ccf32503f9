"""The hall commands of the command line (`sync`, `server init|add-desk|set-retention`), Qt-free.

Each returns the lines to print; a HallError's message is the one line for exit status 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.hall import schema
from desktop.hall.connection import HallError, connector
from desktop.hall.engine import SyncEngine
from desktop.store import Store
from desktop.store.models import shown_value

SETTING_URL = "hall.url"
SETTING_CA = "hall.ca_file"
EXIT_OK, EXIT_CONFLICTS = 0, 1

__all__ = ["HallError", "server_add_desk", "server_init", "server_set_retention", "sync"]


def sync(store: Store, url: str | None, shapes: Mapping[str, str] | None = None) -> tuple[list[str], int]:
    """One round for this drafts file; exit 1 while conflicts remain, each listed on its own line.
    Pulled rows kept aside (quarantined) are named one a line; they do not stop the round."""
    url = url or store.setting(SETTING_URL)
    if not url:
        raise HallError("没有服务器地址：请用 --url 指定，或在 设置 → 服务器 里填写")
    with SyncEngine(store, connector(url, store.setting(SETTING_CA)), shapes) as engine:
        report = engine.sync_once()
        held = engine.quarantined()
        papers = engine.papers.last
    lines = [f"已同步：上传 {report.pushed} 个案卷，下载 {report.pulled} 个，清理 {report.purged} 个"]
    if papers.prints_pushed or papers.prints_pulled or papers.attachments_pushed or papers.attachments_pulled:
        lines.append(
            f"打印记录：上传 {papers.prints_pushed} 条，下载 {papers.prints_pulled} 条；"
            f"证件图片和签字扫描页（加密）：上传 {papers.attachments_pushed} 个，下载 {papers.attachments_pulled} 个"
        )
    lines.extend(papers.notes)
    if held:
        lines.append(f"{len(held)} 个服务器上的案卷不符合案卷文件规则，已隔离（未写入本机）：")
        lines.extend(f"隔离 {q.label}：{q.reason}" for q in held)
    if report.in_step:
        return lines, EXIT_OK
    lines.append(f"{len(report.conflicts)} 处冲突待选择（本机 / 服务器）：")
    lines.extend(f"{c.label} {c.key}: {shown(c.mine)} / {shown(c.theirs)}" for c in report.conflicts)
    return lines, EXIT_CONFLICTS


def server_init(url: str) -> str:
    conn = connector(url)()
    try:
        report = schema.init(conn)
    finally:
        conn.close()
    if report.before == report.after:
        return f"服务器数据库结构已是最新（版本 {report.after}），柜台组角色 {schema.GROUP} 已就绪"
    return (
        f"服务器数据库结构已建立（版本 {report.before} → {report.after}），柜台组角色 {schema.GROUP} 已就绪"
    )


def server_add_desk(url: str, code: str, password: str | None) -> str:
    conn = connector(url)()
    try:
        role, secret, created = schema.add_desk(conn, code, password)
    finally:
        conn.close()
    done = "已建立" if created else "已重设密码："
    if password is not None:
        return f"{done}柜台账号 {role}（密码取自标准输入）"
    return f"{done}柜台账号 {role}，密码（只显示这一次，请记下）：{secret}"


def server_set_retention(url: str, days: int) -> str:
    conn = connector(url)()
    try:
        retired = schema.set_retention(conn, days)
    finally:
        conn.close()
    return f"营业厅的保留期已设为 {days} 天（按服务器的时钟）；现在到期的 {retired} 个案卷已从服务器清理，各柜台下次同步时删除本机副本"


def shown(value: Any) -> str:
    """A conflicted value as the agent reads it: the bin state in words, any other value as
    `import` lists its conflicts (invisible characters shown as code points)."""
    if value is True:
        return "在回收站"
    return shown_value(value)
