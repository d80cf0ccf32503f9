"""The checklist page (材料清单) printed after the bundle's documents: what the agent collects for
the case's business categories, each with a box ticked as recorded, the case number and the
customer's name, for the hall to keep with the signed papers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from reportlab.platypus import Flowable, Spacer

from desktop.domain import materials as checklist
from desktop.render.story import NBSP, Builder, DocumentStart, Run, Styles, Values, _blank

TITLE = "材料清单"
DOC_ID = "materials"
OPTIONAL = "（如有）"


def checklist_story(
    vals: Values, st: Styles, frame_width: float, number: str, ticked: Collection[str], printed: date
) -> list[Flowable]:
    """The page's flowables (it starts on a new page: the caller adds the break); `printed`: the
    day of the print, the page's date."""
    bundle = vals.bundle
    categories = checklist.categories_of(bundle, vals.values)
    field = bundle.field(bundle.materials.field)
    items = checklist.items_for(bundle, categories) if categories else list(bundle.materials.items)
    text = Builder.text
    plain = st.para["plain"]
    chosen = "、".join(field.choice_label(c) for c in categories) or "尚未选择（以下为全部材料）"
    out: list[Flowable] = [
        DocumentStart(DOC_ID, TITLE),
        text([Run(TITLE)], st.title, frame_width),
        text([Run(f"案卷编号：{vals.clean(number)}")], plain, frame_width),
        text(
            [
                Run(f"{bundle.field(bundle.drafts.title_key).label}："),
                Run(vals.show_key(bundle.drafts.title_key) or ""),
            ],
            plain,
            frame_width,
        ),
        text([Run(f"{field.label}：{chosen}")], plain, frame_width),
        Spacer(1, 6),
    ]
    for n, item in enumerate(items, start=1):
        box = f"{'x' if item.id in ticked else 'o'}|{DOC_ID}={item.id}"
        label = f"{n}. {item.label}{'' if item.required else OPTIONAL}"
        out.append(text([Run(_blank(1.35, st), box=box), Run(NBSP + label)], st.para["item"], frame_width))
    out.append(Spacer(1, 18))
    out.append(text([Run("以上材料已核对原件并收齐。")], plain, frame_width))
    out.append(Spacer(1, 12))
    # Filled from what the case knows (materials.toml's `signed`: the hall's name and agent, the
    # settings' defaults for a new case) and the day of the print: it was left blank (issue 23).
    gap = Run(NBSP * 3)
    foot: list[Run] = []
    for key in bundle.materials.signed:
        foot += [Run(f"{bundle.field(key).label}："), filled(vals.show_key(key), 8, st), gap]
    foot += [Run("日期："), filled(f"{printed.year}年{printed.month}月{printed.day}日", 6, st)]
    out.append(text(foot, plain, frame_width))
    return out


def filled(shown: str, width: float, st: Styles) -> Run:
    """A value on its underline (`width` characters wide at least), or the empty underline."""
    if not shown:
        return Run(_blank(width, st), underline=True)
    return Run(f"{NBSP}{shown}{NBSP}", underline=True)
