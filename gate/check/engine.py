"""The check: which cards and gated files a change touches, every rule, one Outcome.

Flow: collect (scope -> cards to evaluate) -> rules (evaluate, coverage) -> report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.card import document
from gate.card.findings import Finding
from gate.check.evaluate import CardResult, Context, covered_paths, evaluate
from gate.check.gated import card_for_stem, is_card
from gate.check.outcome import CardSummary, Outcome

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git import Change, Repository
    from gate.git.snapshot import Snapshot
    from gate.review.signoff import Policy


class Scope:
    """What to check: the change, the state it produces, and the rules in force."""

    def __init__(  # noqa: PLR0917 - one positional per part of a scope, as callers read
        self,
        name: str,
        repo: Repository,
        snapshot: Snapshot,
        changes: list[Change],
        config: Config,
        policy: Policy,
        previous: Snapshot | None = None,
        *,
        everything: bool = False,
    ) -> None:
        self.name = name  # staged, files, base, range, all
        self.repo = repo
        self.snapshot = snapshot
        self.changes = changes
        self.config = config
        self.policy = policy  # how sign-off is judged: enforced, keys
        self.previous = previous  # the state before the change
        self.everything = everything  # --all: every card and gated file
        self.notes: list[Finding] = []


class Evaluator:
    """Cards evaluated once each, and the cards covering a path."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.ctx = Context(scope.snapshot, scope.config, scope.policy)
        self.results: dict[str, CardResult] = {}

    def card(self, path: str) -> CardResult:
        if path not in self.results:
            self.results[path] = evaluate(path, self.ctx)
        return self.results[path]

    def candidates(self, gated: list[str]) -> dict[str, list[CardResult]]:
        """The cards covering each gated path (by `covers` or by stem).

        Cards already checked and each path's own-stem card come first; only paths that
        none of them covers with a passing card are searched for in every card (`git
        grep`), so a pull request that follows the naming convention costs the same in
        a repository of ten cards or ten thousand.
        """
        config, snapshot = self.scope.config, self.scope.snapshot
        covering: dict[str, list[CardResult]] = {g: [] for g in gated}
        wanted = set(gated)

        def add(paths: set[str]) -> None:
            for path in sorted(paths - seen):
                seen.add(path)
                result = self.card(path)
                for g in result.covers & wanted:
                    covering[g].append(result)

        seen: set[str] = set()
        add(set(self.results) | {c for g in gated if snapshot.has(c := card_for_stem(config, g))})
        if not self.scope.everything:  # under --all every card is checked already
            unsettled = [g for g in gated if not any(r.covers_now(g) for r in covering[g])]
            if unsettled:
                found = self.scope.repo.grep(snapshot, unsettled, config.cards_dir)
                add({p for p in found if is_card(config, p)})
        return covering


def _deleted_card_orphans(scope: Scope, ev: Evaluator) -> list[tuple[str, str]]:
    """(gated path, deleted card) for files a deleted card covered that are still here."""
    if scope.previous is None:
        return []
    orphans: list[tuple[str, str]] = []
    before = Context(scope.previous, scope.config, scope.policy)
    for change in scope.changes:
        gone = change.old if change.status == "R" else change.path
        if change.status not in ("D", "R") or not is_card(scope.config, gone):
            continue
        raw = scope.previous.read(gone)
        try:
            old = document.parse(gone, raw or b"")
        except document.CardProblem:
            continue
        orphans += [(p, gone) for p in covered_paths(old, before) if scope.snapshot.has(p)]
    return orphans


def _covered_changes(
    scope: Scope, ev: Evaluator, gated: set[str]
) -> tuple[list[str], dict[str, list[CardResult]]]:
    """Changed files a card covers although no glob gates them (a shared launch script
    outside the gated folders, named by `path::function`): a card's approval is about
    every file it covers, so such a file is gated by the card. Returns the changed ones
    (they need a passing card like any gated file) and, for each deleted one, the cards
    covering it that no longer pass (the card must go, or stop covering it).

    Cards are found by their text (`git grep`): a card lists what it covers literally
    (the `covers` rule refuses an entry spelt with escapes, which no text search sees)."""
    config = scope.config
    changed: dict[str, bool] = {}  # path -> still there
    for change in scope.changes:
        for path, here in ((change.path, change.status != "D"), (change.old, False)):
            if path and path not in gated and not is_card(config, path):
                changed[path] = changed.get(path, False) or here
    if not changed or scope.everything:
        return [], {}
    found = scope.repo.grep(scope.snapshot, changed, config.cards_dir, ignore_case=True)
    folded = {p.casefold(): p for p in changed}
    covering: dict[str, list[CardResult]] = {}
    for card in sorted(p for p in found if is_card(config, p)):
        result = ev.card(card)
        for entry in result.covers:
            hit = folded.get(entry.casefold())
            if hit is not None:
                covering.setdefault(hit, []).append(result)
    kept = [p for p in changed if p in covering and changed[p]]
    dropped = {
        p: [r for r in rs if not r.passed]
        for p, rs in covering.items()
        if not changed[p] and any(not r.passed for r in rs)
    }
    return kept, dropped


def _dropped_findings(dropped: dict[str, list[CardResult]], reported: set[str]) -> list[Finding]:
    """A deleted file that cards still cover: each such card fails, and says why."""
    findings = []
    for path, results in dropped.items():
        for r in results:
            findings.append(
                Finding(
                    path,
                    0,
                    "coverage",
                    f"deleted here, but {r.path} covers it and no longer passes: delete "
                    "the card with it, or take the file out of its `covers` and sign again",
                )
            )
            if r.path not in reported:
                findings += r.findings
                reported.add(r.path)
    return findings


def _exemption(scope: Scope, path: str) -> str | None:
    """Why a gated file nothing covers needs no card: only the kind that claims the file
    (recognises it as its own) may exempt it. A file two kinds claim, or none, needs a
    card: a policy config shaped to look like a cheap world-model run is not waved
    through by the run kind's thresholds."""
    from gate import kinds

    owners = [k for k in kinds.every() if k.claims(path, scope.snapshot, scope.config)]
    if len(owners) != 1:
        return None
    return owners[0].exempt(path, scope.snapshot, scope.config) or None


def _suggestion(scope: Scope, path: str) -> str:
    """What to run: the exact `gate generate` command, and the card it writes (never one
    that exists already as another card), with the kind that recognises the file."""
    import posixpath

    from gate import kinds

    config, snapshot = scope.config, scope.snapshot
    stem = posixpath.splitext(posixpath.basename(path))[0]
    run_name, card = stem, card_for_stem(config, path)
    if snapshot.has(card):  # the stem's card exists and does not cover this file
        folder = posixpath.basename(posixpath.dirname(path)) or "run"
        run_name = f"{folder}-{stem}"
        number = 2
        while snapshot.has(f"{config.cards_dir}/{run_name}.md"):
            run_name, number = f"{folder}-{stem}-{number}", number + 1
        card = f"{config.cards_dir}/{run_name}.md"
    why, flag = "", ""
    for kind in kinds.every():
        claim = kind.claims(path, snapshot, config)
        if claim:
            why, flag = f" ({claim})", f" --kind {kind.name}"
            break
    import shlex

    name = f" --run-name {shlex.quote(run_name)}" if run_name != stem else ""
    return f"write {card} with `gate generate{flag} {shlex.quote(path)}{name}`{why}"


def _after_finish(scope: Scope, path: str, ran: list[CardResult]) -> str:
    """Why finished cards do not cover a changed file, and what to do."""
    names = ", ".join(f"{r.path} (finished {r.finished})" for r in ran)
    return (
        f"only finished cards cover this file: {names}; a finished card is the record of a "
        "run that ended and covers no change made after it ran: a new run needs a new card: "
        f"{_suggestion(scope, path)}"
    )


def _changed(scope: Scope) -> frozenset[str]:
    """The paths a commit, push or pull request adds or modifies (none for FILES, --all)."""
    if scope.name not in ("staged", "base", "range"):
        return frozenset()
    return frozenset(c.path for c in scope.changes if c.status != "D")


def _recorded_here(scope: Scope, results: list[CardResult]) -> list[Finding]:
    """Results recorded in this change add a record and nothing else: the card was
    committed before (a card cannot arrive finished) and its approved data is what it
    was. Results are not signed, so this is what keeps an entry written by hand from
    passing other edits of the card (`gate results` on an honest card always passes)."""
    from gate.card.digest import card_digest

    findings = []
    for r in results:
        if not r.finished:
            continue
        now = document.parse(r.path, scope.snapshot.read(r.path) or b"").data
        before = scope.previous.read(r.path) if scope.previous is not None else None
        try:
            old = document.parse(r.path, before).data if before is not None else None
        except document.CardProblem:
            old = None
        if old is not None and old.get("results") == now.get("results"):
            continue
        if old is None:
            why = (
                "a card cannot arrive with results: commit it, launch it, then record "
                "what happened with `gate results`"
            )
        elif card_digest(old, ()) != card_digest(now, ()):
            why = (
                "results are recorded in this change, and the card's approved data changed "
                "with them: record results alone, and put other changes in a new card"
            )
        else:
            continue
        findings.append(Finding(r.path, 0, "results", why, card=r.path))
    return findings


def _coverage(
    scope: Scope,
    path: str,
    *,
    reached: list[str],
    results: list[CardResult],
    deleted: str | None,
    reported: set[str],
) -> list[Finding]:
    """Rule 1 for one gated (or covered) path, given the cards covering it (directly or
    through `reached`, the gated paths that lead to it): nothing when one covers it as
    it is now, else why not, with the failing cards' findings (each card once)."""
    # A change is never covered by a finished card: it records what ran, and its
    # results are not signed (a hand-written entry must not make a new edit pass).
    changed = path in _changed(scope)
    if any(r.covers_now(p) and not (r.finished and changed) for r in results for p in reached):
        return []
    ran = [r for r in results if r.finished and r.passed]
    if ran and len(ran) == len(results):
        return [Finding(path, 0, "coverage", _after_finish(scope, path, ran))]
    if not results and (reason := _exemption(scope, path)):
        return [Finding(path, 0, "coverage", f"no card needed: {reason}", severity="notice")]
    if not results:
        gone = f" (its card {deleted} is deleted in this change)" if deleted else ""
        return [
            Finding(
                path,
                0,
                "coverage",
                f"no run card covers this gated file{gone}: "
                f"{_suggestion(scope, path)}, or list it in a card's `covers`",
            )
        ]
    names = ", ".join(r.path for r in results)
    findings = [
        Finding(path, 0, "coverage", f"not covered by a passing card: {names} must pass every rule")
    ]
    for r in results:
        if r.path not in reported:
            findings += r.findings
            reported.add(r.path)
    return findings


def run(scope: Scope) -> Outcome:
    from gate.check.aliases import gating

    config, snapshot = scope.config, scope.snapshot
    ev = Evaluator(scope)
    if scope.everything:
        cards = [p for p in snapshot.paths() if is_card(config, p)]
    else:
        cards = [c.path for c in scope.changes if c.status != "D" and is_card(config, c.path)]
    judged = gating(snapshot, config, scope.changes, everything=scope.everything)
    gated = judged.gated
    findings: list[Finding] = [*scope.notes, *judged.findings]
    if scope.everything:
        from gate.check.parallel import evaluate_all

        if len(cards) > 1:  # every card and gated file, in one read (forked workers share it)
            snapshot.preload([*cards, *gated])

        for result in evaluate_all(cards, ev.ctx) or []:
            ev.results[result.path] = result
    for path in cards:
        findings += ev.card(path).findings
    if _changed(scope):
        findings += _recorded_here(scope, [ev.card(p) for p in cards])
    reported = set(cards)
    orphans = _deleted_card_orphans(scope, ev)
    covered, dropped = _covered_changes(scope, ev, set(gated))
    need = list(dict.fromkeys([*gated, *(p for p, _ in orphans), *covered]))
    findings += _dropped_findings(dropped, reported)
    through = judged.aliases  # a card covering a gated path that reaches a file covers it
    covering = ev.candidates(
        list(dict.fromkeys([*need, *(a for p in need for a in through.get(p, []))]))
    )
    why = dict(orphans)
    for path in need:
        results = list(
            dict.fromkeys(
                [*covering[path], *(r for a in through.get(path, []) for r in covering[a])]
            )
        )
        reached = [path, *through.get(path, [])]
        findings += _coverage(
            scope, path, reached=reached, results=results, deleted=why.get(path), reported=reported
        )
    summaries = tuple(
        CardSummary(r.path, r.kind, r.status, r.passed)
        for r in sorted(ev.results.values(), key=lambda r: r.path)
    )
    looked_at = tuple(dict.fromkeys([*need, *judged.links]))
    return Outcome(scope.name, tuple(dict.fromkeys(findings)), summaries, looked_at)
