"""The case on screen, without Qt: what is typed, what is unsaved, what each field shows.

Like Mu's `Editor` (mu/logic.py), this holds the window's state so tests can drive editing, dirty
tracking and saves without a QApplication. The window has one `EditSession`; its views read it and
its autosaver takes snapshots of it. Each attribute below has one writer: this class.

    case_id, number, revision, status   the stored case (None/0/"draft" for a fresh one)
    values      typed values, normalised (what a save writes; defaults join them at the first save)
    settings    the hall's settings, for a fresh case's defaults
    dirty       keys edited since the last save began
    touched     keys the agent edited (an untouched empty field is not shouted at)
    punished    keys that showed an error and have not been valid since
    errors      error count per key, judged by `recheck` on the resolved case (red counts)
    missing     required fields still empty and untouched: not errors yet, counted neutrally
                ("reward early, punish late"); they still make the print a draft
    coverage    the print font's glyphs once loaded (a character it lacks is an error)

The verdicts are the session's own, as a Django bound form owns `errors` through `full_clean()`:
`recheck` judges every field on one resolved case and returns what each asked key shows; the
counts, print blockers and `wanted_status()` read the same judgement, so a session saved by code
with no view (the hall's sync, an import, a card reader) records the status the window would.
    conflicted  another window saved this case while this one had unsaved edits
    materials   the checklist items ticked (材料清单; stored by Store.set_materials, not a field)
    last_print  the digest of the latest print-log row (Store.prints), None when never printed here
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from desktop import domain  # its checking modules load on first use (desktop.files.lazy)
from desktop.domain import status as lifecycle
from desktop.domain.feedback import present
from desktop.domain.forms import Bundle, MaterialItem
from desktop.domain.materials import categories_of, materials_missing
from desktop.domain.records import record
from desktop.files.values import is_empty

if TYPE_CHECKING:  # the checks load after the window's first paint (tests/test_ui_crash.py)
    from desktop.domain.case import FieldVerdict
    from desktop.domain.feedback import Shown
    from desktop.domain.resolve import Resolved, ResolvedCase

WHOLE_SAVE_OVER = 3  # more keys than this at once: save the whole case in one statement


@dataclass
class SaveSnapshot:
    """One save of pending edits: what to write and the status the case should then have."""

    case_id: str | None
    revision: int
    keys: frozenset[str]
    values: dict[str, Any]
    whole: bool
    status: str
    wanted: str
    new_id: str | None = None
    number: str | None = None
    error: Exception | None = None
    restatused: bool = False  # the save changed the case's status (the list shows it)
    done: threading.Event = field(default_factory=threading.Event)  # set once the save finished

    def listed(self, *keys: str) -> bool:
        """Whether the drafts list shows something this save changed."""
        return (
            self.case_id is None
            or self.restatused
            or self.status != self.wanted
            or bool(self.keys & set(keys))
        )


@record
class FieldShown:
    """What one field shows after a recheck: its verdict, the line under it, its printed value.

    `shown` is for the editor the cursor is in (when the field is `focused`), `idle` for its
    other editors (the same field on another document's page)."""

    verdict: FieldVerdict
    relevant: bool
    empty: bool
    shown: Shown
    idle: Shown
    resolved: Resolved


@record
class Recheck:
    """One recheck's answer: each asked key's `FieldShown`, and whether the counts changed."""

    fields: dict[str, FieldShown]
    counts_changed: bool


def related_keys(bundle: Bundle) -> dict[str, tuple[str, ...]]:
    """For each field, the fields whose verdict or shown value may change with it (itself first)."""
    related: dict[str, dict[str, None]] = {key: {key: None} for key in bundle.fields}
    for rule in bundle.rules:
        keys = [v for v in rule.params.values() if v in bundle.fields]
        for key in keys:
            for other in keys:
                related[key].setdefault(other)
    for key, fdef in bundle.fields.items():
        if fdef.when is not None:
            related[fdef.when.field].setdefault(key)
        if fdef.default and fdef.default.startswith("="):
            related[fdef.default[1:]].setdefault(key)
    return {key: tuple(keys) for key, keys in related.items()}


@dataclass
class EditSession:
    bundle: Bundle
    today: Callable[[], date] = date.today
    settings: dict[str, Any] = field(default_factory=dict)
    case_id: str | None = None
    number: str | None = None
    revision: int = 0
    status: str = "draft"
    values: dict[str, Any] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)
    punished: set[str] = field(default_factory=set)
    errors: dict[str, int] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    conflicted: bool = False
    materials: tuple[str, ...] = ()
    coverage: frozenset[int] | None = None
    last_print: str | None = None

    def __post_init__(self) -> None:
        self.related = related_keys(self.bundle)
        self.elsewhere: dict[str, tuple[Any, ...]] = {}  # findings from other cases (same customer)
        self._resolved: ResolvedCase | None = None
        # Judged on the resolved case; after an edit only the edited key's related keys are
        # judged again (the only verdicts an edit can change, see `related_keys`).
        self._verdicts: dict[str, FieldVerdict] | None = None
        self._stale: set[str] = set()

    # -- what is shown -----------------------------------------------------------------------

    @property
    def fresh(self) -> bool:
        """A case not stored yet: its defaults are live (a settings change reaches it)."""
        return self.case_id is None

    def blank(self) -> bool:
        """A fresh case nothing was typed into (or all typing erased): nothing to keep, so no save
        creates it and it takes no case number (issue 23: a blank case saved used one up)."""
        return self.fresh and all(is_empty(v) for v in self.values.values())

    def resolved(self) -> ResolvedCase:
        """Every field as it prints (desktop.domain.resolve); cached until the next change."""
        if self._resolved is None:
            self._resolved = domain.resolve.resolve(
                self.bundle, self.values, settings=self.settings, today=self.today(),
                number=self.number, fresh=self.fresh,
            )  # fmt: skip
        return self._resolved

    def verdict(self, key: str) -> FieldVerdict:
        """One field's verdict on the resolved case (what prints is what is judged), with what the
        drafts file adds (the same customer in another case: a warning, never an error)."""
        return self.verdicts()[key]

    def verdicts(self) -> dict[str, FieldVerdict]:
        """Every field's verdict on the one resolved case (desktop.domain.case.judge_all), with
        the same customer's findings from other cases added where the field has no error."""
        values = self.resolved().values()
        today = self.today()
        if self._verdicts is None:
            self._verdicts = domain.case.judge_all(self.bundle, values, today=today, coverage=self.coverage)
            stale: Iterable[str] = self._verdicts
        else:
            stale = self._stale
            for key in stale:
                self._verdicts[key] = domain.case.judge_field(
                    self.bundle, key, values, today=today, coverage=self.coverage
                )
        for key in stale:
            self._verdicts[key] = self._with_elsewhere(self._verdicts[key], self.elsewhere.get(key, ()))
        self._stale = set()
        return self._verdicts

    @staticmethod
    def _with_elsewhere(verdict: FieldVerdict, extra: tuple[Any, ...]) -> FieldVerdict:
        if extra and not any(f.severity == "error" for f in verdict.findings):
            return replace(verdict, findings=(*verdict.findings, *extra))
        return verdict

    def set_coverage(self, coverage: frozenset[int] | None) -> None:
        """The print font's glyphs loaded: a character it cannot print becomes an error."""
        self.coverage = coverage
        self._verdicts = None

    def recheck(self, keys: Iterable[str], *, focused: str | None = None) -> Recheck:
        """Judge the case (one resolve, every field) and say what each of `keys` shows.

        The counts (`errors`, `missing`) are brought up to date for every field, so the tabs,
        the status line, `print_blockers()` and `wanted_status()` agree with what is shown.
        `focused` is the field the cursor is in: its errors wait while it is being typed.
        """
        resolved = self.resolved()
        verdicts = self.verdicts()
        values = resolved.values()
        changed = self._count(verdicts, values)
        out: dict[str, FieldShown] = {}
        for key in keys:
            verdict = verdicts[key]
            empty = is_empty(resolved.value(key))

            shown = self._shown(key, verdict, empty, typing=key == focused)
            idle = self._shown(key, verdict, empty, typing=False) if key == focused else shown
            if shown.kind == "error":  # shown where the agent looks: punished until valid again
                self.punished.add(key)
            out[key] = FieldShown(
                verdict, self.bundle.relevant(key, values), empty, shown, idle, resolved[key]
            )
        return Recheck(out, changed)

    def _shown(self, key: str, verdict: FieldVerdict, empty: bool, *, typing: bool) -> Shown:
        return present(
            verdict, field_type=self.bundle.field(key).type, empty=empty, typing=typing,
            punished=key in self.punished, touched=key in self.touched,
        )  # fmt: skip

    def _count(self, verdicts: Mapping[str, FieldVerdict], values: Mapping[str, Any]) -> bool:
        """Error counts and untouched empty required fields from `verdicts`; True if they changed.

        Empty and never touched: not an error yet, only "未填" (until paper is asked for)."""
        errors: dict[str, int] = {}
        missing: set[str] = set()
        for key, verdict in verdicts.items():
            count = sum(1 for f in verdict.findings if f.severity == "error")
            if count == 0:
                self.punished.discard(key)
            if count and key not in self.touched and is_empty(values.get(key)):
                missing.add(key)
                count = 0
            errors[key] = count
        changed = errors != self.errors or missing != self.missing
        self.errors, self.missing = errors, missing
        return changed

    def judged(self) -> None:
        """Bring the counts up to date with the case as it is now (no view needed)."""
        resolved = self.resolved()
        self._count(self.verdicts(), resolved.values())

    def set_elsewhere(self, findings: Iterable[Any]) -> set[str]:
        """Findings from other cases in the drafts file; the keys whose verdict changed."""
        old = set(self.elsewhere)
        self.elsewhere = {}
        for finding in findings:
            self.elsewhere.setdefault(finding.key, ())
            self.elsewhere[finding.key] += (finding,)
        self._stale |= old | set(self.elsewhere)
        return old | set(self.elsewhere)

    def relevant(self, key: str) -> bool:
        return self.bundle.relevant(key, self.resolved().values())

    def print_blockers(self) -> dict[str, int]:
        """Fields that make the print a draft (in form order): errors, and required fields unfilled."""
        self.judged()
        return {
            k: self.errors.get(k) or 1 for k in self.bundle.fields if self.errors.get(k) or k in self.missing
        }

    def real_errors(self) -> dict[str, int]:
        """Fields showing errors (in form order) with their counts: the red ones."""
        self.judged()
        return {k: self.errors[k] for k in self.bundle.fields if self.errors.get(k)}

    def missing_required(self) -> list[str]:
        """Required fields still empty on the resolved case (counted neutrally while untouched)."""
        values = self.resolved().values()
        return [
            k
            for k, f in self.bundle.fields.items()
            if f.required and is_empty(values.get(k)) and self.bundle.relevant(k, values)
        ]

    def missing_materials(self) -> list[MaterialItem]:
        """Required checklist items of the case's categories not ticked (desktop.domain.materials)."""
        return materials_missing(
            self.bundle, categories_of(self.bundle, self.resolved().values()), self.materials
        )

    def print_digest(self) -> str:
        """The digest of the values as they would print now (desktop.domain.status.print_digest)."""
        return lifecycle.print_digest(self.resolved().values())

    def wanted_status(self) -> str:
        """What a save should record (desktop.domain.status.decide): finished ("complete") only with
        no errors and every required material ticked; after a print, "printed" while the values
        still match the latest print and "changed" once a printed value differs."""
        return lifecycle.decide(
            blocked=bool(self.print_blockers()),
            missing_materials=self.missing_materials(),
            digest=self.print_digest() if self.last_print is not None else "",
            last_print=self.last_print,
            current=self.status,
        )

    def printed(self, revision: int, digest: str) -> None:
        """A final print was recorded (Store.record_print): the case is printed at `revision`."""
        self.revision, self.status, self.last_print = revision, lifecycle.PRINTED, digest

    def set_materials(self, ticked: Iterable[str]) -> None:
        """The agent ticked or unticked a checklist item; the next save records the status."""
        self.materials = tuple(dict.fromkeys(ticked))

    def title(self) -> str:
        return str(self.values.get(self.bundle.drafts.title_key) or "新案卷")

    # -- changes ---------------------------------------------------------------------------

    def load(
        self,
        case_id: str | None,
        revision: int,
        status: str,
        values: Mapping[str, Any],
        number: str | None = None,
        materials: Iterable[str] = (),
        last_print: str | None = None,
    ) -> None:
        """Show another case (or a fresh one): nothing unsaved, nothing touched. `last_print`: the
        digest of its latest print-log row, what `changed` is decided against."""
        self.case_id, self.revision, self.status, self.number = case_id, revision, status, number
        self.materials = tuple(materials)
        self.last_print = last_print
        self.values = dict(values)
        self.dirty.clear()
        self.touched.clear()
        self.punished.clear()
        self.errors.clear()
        self.missing.clear()
        self.conflicted = False
        self._resolved = None
        self._verdicts = None

    def set_settings(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        self._resolved = None
        self._verdicts = None

    def edit(self, key: str, raw: Any) -> tuple[str, ...]:
        """The agent typed `raw` into `key`: store it normalised; the keys to re-check."""
        fdef = self.bundle.field(key)
        value = domain.fields.normalise(fdef, raw, today=self.today())
        if value is None and fdef.type not in ("integer", "choice"):
            value = ""
        self.values[key] = value
        self.touched.add(key)
        self.dirty.add(key)
        self._resolved = None
        self._stale.update(self.related[key])
        return self.related[key]

    def touch_all(self) -> bool:
        """Asking for paper is "late": every field counts as touched. True if any was not."""
        if len(self.touched) >= len(self.bundle.fields):
            return False
        self.touched.update(self.bundle.fields)
        return True

    # -- saving ----------------------------------------------------------------------------

    def snapshot(self) -> SaveSnapshot:
        """The pending edits as one save, and clears them (they are now the save's)."""
        keys = frozenset(self.dirty)
        whole = self.fresh or len(keys) > WHOLE_SAVE_OVER
        if self.fresh:  # the defaults on screen are written with the first save
            values = {**self.resolved().to_store(), **self.values}
        elif whole:
            values = dict(self.values)
        else:
            values = {k: self.values.get(k) for k in keys}
        self.dirty.clear()
        return SaveSnapshot(
            case_id=self.case_id,
            revision=self.revision,
            keys=keys,
            values=values,
            whole=whole,
            status=self.status,
            wanted=self.wanted_status(),
            number=self.number,
        )

    def take(self, save: SaveSnapshot) -> None:
        """A save committed: the case is now stored at the save's revision and status."""
        if save.case_id is None:
            self._adopt(save)
        self.revision = save.revision
        self.status = save.status

    def give_back(self, save: SaveSnapshot) -> None:
        """A save failed: its edits are pending again (they never left the screen). The save was
        one transaction, so nothing of it is stored: a first save that failed created no case."""
        self.dirty |= save.keys
        if save.case_id is None:
            self.dirty |= set(self.values)

    def _adopt(self, save: SaveSnapshot) -> None:
        """The first save created the case: its id, number, and the defaults it wrote."""
        self.case_id, self.number = save.new_id, save.number
        for key, value in save.values.items():
            if key not in self.values:  # a default (typed keys, even emptied ones, are there)
                self.values[key] = value
        self._resolved = None
        self._verdicts = None

    def mark_conflict(self) -> None:
        """Another window saved this case while edits here were unsaved: hold saves until a pick."""
        self.conflicted = True

    def overwritten(self, revision: int, status: str) -> None:
        """The agent kept this window's values over the other window's save."""
        self.revision, self.status = revision, status
        self.forget_edits()

    def forget_edits(self) -> None:
        """Unsaved edits are dropped on purpose (the agent took the other window's version)."""
        self.dirty.clear()
        self.conflicted = False

    def changed_keys(self, keys: Iterable[str]) -> None:
        """Keys edited elsewhere in this session (a pick in a conflict): pending for the next save."""
        self.dirty.update(keys)


def settled_status(
    bundle: Bundle,
    values: Mapping[str, Any],
    status: str,
    *,
    number: str | None = None,
    today: Callable[[], date] = date.today,
) -> str:
    """The status to record when code other than the window saves `values` (the hall's pull):
    "complete" only while a session holding them finds nothing blocking a clean print.

    Another desk's "complete" is that desk's verdict on its values (its checklist ticks stay
    there, so they are taken as given); merged with edits made here the values may be broken.
    "draft" and "printed" are kept (printed is paper that exists).
    """
    if status != "complete":
        return status
    session = EditSession(bundle, today)
    session.load("settling", 0, status, values, number=number)
    return "draft" if session.print_blockers() else status


def write_save(save: SaveSnapshot, store: Any) -> SaveSnapshot:
    """Run a save against the drafts store (on the saving thread); never raises.

    Any failure is kept in `save.error`, so a save always finishes: a save that raised past its
    caller once stayed "in flight" for ever and silently stopped the autosave. The values and the
    status are written in one transaction (`store.transaction()`): a failure leaves the stored case
    as it was, never new values under an old status (or a created case the session does not know).
    """
    revision, number, status = save.revision, save.number, save.status
    try:
        with store.transaction():
            _write(save, store)
    except Exception as exc:  # noqa: BLE001 (any failure is the save's outcome, shown by the window)
        save.error = exc
        # Rolled back whole: the save's own record goes back to what is stored.
        save.new_id, save.revision, save.number, save.status = None, revision, number, status
    finally:
        save.done.set()
    return save


def _write(save: SaveSnapshot, store: Any) -> None:
    """The writes of one save, inside the caller's transaction."""
    if save.case_id is None:
        case = store.create(save.values)
        save.new_id, save.revision = case.id, case.revision
        save.number = getattr(case, "number", None) or save.number
    elif save.whole:
        save.revision = store.save_fields(save.case_id, save.values, save.revision)
    else:
        for key in sorted(save.keys):
            save.revision = store.save_field(save.case_id, key, save.values[key], save.revision)
    if save.wanted != save.status:
        save.revision = store.set_status(save.new_id or save.case_id, save.wanted, save.revision)
        save.status = save.wanted
        save.restatused = True
