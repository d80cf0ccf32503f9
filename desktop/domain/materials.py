"""材料清单: what the agent collects for a case's business categories, and what is still missing.

The items are bundle data (forms/<bundle>/materials.toml, loaded by desktop.domain.forms); the ticks are
per case and live in the drafts store beside the case (`Store.set_materials`, `Case.materials`),
not among its fields: they are the counter's bookkeeping, not part of the application, so they do
not travel in case files. A case is ready to print (status "complete", 待打印) only when it has no
errors and no required item of its categories is unticked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from desktop.domain.forms import Bundle, MaterialItem

FINISHED_STATUS = "complete"
UNFINISHED_STATUS = "draft"


def categories_of(bundle: Bundle, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The case's categories: the values of the checklist's field (empty without a checklist)."""
    if bundle.materials is None:
        return ()
    chosen = values.get(bundle.materials.field)
    if isinstance(chosen, str):
        return (chosen,)
    return tuple(c for c in chosen or () if isinstance(c, str))


def items_for(bundle: Bundle, categories: Iterable[str]) -> list[MaterialItem]:
    """The items any of `categories` needs, in the file's order (each once)."""
    if bundle.materials is None:
        return []
    wanted = set(categories)
    return [item for item in bundle.materials.items if wanted.intersection(item.for_)]


def materials_missing(
    bundle: Bundle, categories: Iterable[str], ticked: Collection[str]
) -> list[MaterialItem]:
    """The required items of `categories` not in `ticked`: what still keeps the case unfinished."""
    return [item for item in items_for(bundle, categories) if item.required and item.id not in ticked]


def known_ticks(bundle: Bundle, ticked: Iterable[str]) -> list[str]:
    """`ticked` without ids the checklist does not have (an item removed in a later edition), each once."""
    ids = {item.id for item in bundle.materials.items} if bundle.materials else set()
    return list(dict.fromkeys(t for t in ticked if t in ids))


def status_for(has_errors: bool, missing: Collection[MaterialItem]) -> str:
    """The status a saved case should have: finished only with no errors and nothing missing."""
    return UNFINISHED_STATUS if has_errors or missing else FINISHED_STATUS


def missing_message(missing: Collection[MaterialItem]) -> str:
    """One Chinese line for the window: what is still to be collected (empty when nothing)."""
    if not missing:
        return ""
    return f"材料清单尚缺：{short_names(missing)}；收齐并勾选后案卷才算完成"


def short_names(missing: Collection[MaterialItem], most: int = 3) -> str:
    """The first `most` items by their short names (「身份证复印件、营业执照复印件 等 6 项」)."""
    names = "、".join(item.label.split("（")[0] for item in list(missing)[:most])
    return names + (f" 等 {len(missing)} 项" if len(missing) > most else "")
