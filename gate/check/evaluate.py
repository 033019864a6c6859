"""Every rule for one card: collect its facts from the snapshot, apply the rules."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from gate import kinds
from gate.card import document, paths
from gate.card.digest import card_digest, content_hash
from gate.card.findings import Finding, promote_warnings
from gate.kinds import results
from gate.review import signoff

if TYPE_CHECKING:
    from gate.config import Config
    from gate.git.globs import Globs
    from gate.git.snapshot import Snapshot


_FEW_STEMS = 16  # cards looked up one by one before every file is indexed


class Context:
    """What every card of one check shares: the state (which reads the repository's
    objects itself), the rules."""

    def __init__(self, snapshot: Snapshot, config: Config, policy: signoff.Policy) -> None:
        self.snapshot = snapshot
        self.config = config
        self.policy = policy  # how sign-off is judged here
        self.stems: dict[str, list[str]] | None = None  # stem -> paths, built once
        self.indexed = False  # every stem in `stems`

    def convention(self, card_path: str) -> list[str]:
        """Gated files whose stem is the card's (experiments/x.yaml <-> run-cards/x.md).
        A few cards look for their stem with a text search of the files where the globs
        reach (`Snapshot.region`: a pull request lists no more); past that
        (`--all`), every file is indexed by its stem once. Globs are matched only
        against files with a card's stem."""
        stem = posixpath.splitext(posixpath.basename(card_path))[0]
        if self.stems is None:
            self.stems = {}
        if stem not in self.stems and not self.indexed:
            if len(self.stems) < _FEW_STEMS:
                self.stems[stem] = [
                    p
                    for p in self.snapshot.region(self.globs())
                    if stem in p and posixpath.splitext(p.rpartition("/")[2])[0] == stem
                ]
            else:
                self.index_stems()
        return [p for p in self.stems.get(stem, []) if self.globs().match(p)]

    def follows(self, entry: str) -> bool:
        """Whether the check follows a symlink at this covered path to its target:
        with `allow_links`, for a gated path (gate/check/aliases.py)."""
        return self.config.allow_links and self.globs().match(entry.partition("::")[0])

    def globs(self) -> Globs:
        """The gated globs, compiled (once: `compile_globs` keeps them)."""
        from gate.git.globs import compile_globs

        return compile_globs(self.config.gated)

    def index_stems(self) -> None:
        """Every file by its stem (string work only), for many cards at once."""
        stems: dict[str, list[str]] = {}
        for path in self.snapshot.paths():
            stems.setdefault(posixpath.splitext(path.rpartition("/")[2])[0], []).append(path)
        self.stems = stems
        self.indexed = True


class CardResult(NamedTuple):
    path: str
    kind: str
    status: str
    findings: tuple[Finding, ...]
    covers: frozenset[str]
    digest: str = ""  # what an approval of the card as it is now would sign
    finished: str = ""  # a finished card (it has results): when they were recorded
    # what a finished card covered when it ran but no longer covers (changed since)
    stale: frozenset[str] = frozenset()

    @property
    def passed(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def covers_now(self, path: str) -> bool:
        """It covers `path`: it passes, and (finished) the file is as it ran."""
        return self.passed and path in self.covers and path not in self.stale


def covered_paths(card: document.Card, ctx: Context) -> list[str]:
    """The card's `covers` entries (text ones: the schema reports the rest) and the
    gated files with its stem."""
    covers = card.data.get("covers")
    listed = [p for p in covers if isinstance(p, str)] if isinstance(covers, list) else []
    return list(dict.fromkeys([*listed, *ctx.convention(card.path)]))


def _region(card: document.Card, kind: kinds.Kind[Any], required: tuple[str, ...]) -> list[Finding]:
    region = document.region(card)
    if region.inner is None:
        return [
            Finding(
                card.path,
                region.line or card.front_end,
                "render",
                f"the card has no generated region: run `gate render {card.path}` to write it",
                card=card.path,
            )
        ]
    if region.inner != document.region_text(kind.render(card.data, required)):
        return [
            Finding(
                card.path,
                region.line,
                "render",
                "the generated region no longer matches the card's data: run "
                f"`gate render {card.path}`",
                card=card.path,
            )
        ]
    return []


def _line_naming(card: document.Card, text: str) -> int:
    """The first front-matter line that names `text` (a path the card reads)."""
    for number, line in enumerate(card.text.split("\n")[: card.front_end], start=1):
        if text in line:
            return number
    return 1


def _covered_contents(
    card: document.Card, covers: list[str], ctx: Context
) -> tuple[list[tuple[str, bytes | None]], list[Finding]]:
    """What each covered entry holds (for the digest), and the `covers` findings."""
    contents: list[tuple[str, bytes | None]] = []
    found: list[Finding] = []
    listed = card.data.get("covers")
    line = card.line_of("covers")
    for covered in covers:
        if isinstance(listed, list) and covered in listed:
            problem = paths.entry_problem(
                ctx.snapshot, covered, card.text, followed=ctx.follows(covered)
            )
            if problem:
                found.append(Finding(card.path, line, "covers", problem, card=card.path))
        read = paths.read_covered(ctx.snapshot, covered)
        contents.append((covered, read.content))
        if read.problem:
            found.append(Finding(card.path, line, "covers", read.problem, card=card.path))
    return contents, found


def evaluate(path: str, ctx: Context) -> CardResult:
    """Rules 2-8 for the card at `path` in the snapshot; never raises for bad input."""
    got = paths.read(ctx.snapshot, path, what="card")
    if got.content is None:
        return CardResult(
            path,
            "?",
            "?",
            (Finding(path, 0, "card", got.problem or "unreadable", card=path),),
            frozenset(),
        )
    try:
        card = document.parse(path, got.content)
    except document.CardProblem as exc:
        return CardResult(
            path, "?", "?", (Finding(path, exc.line, "card", exc.message, card=path),), frozenset()
        )
    kind = kinds.get(card.kind)
    covers = covered_paths(card, ctx)
    if kind is None:
        message = (
            f"kind: {card.data.get('kind')!r} is not a card kind gate knows "
            f"(known: {', '.join(kinds.names())})"
        )
        return CardResult(
            path,
            str(card.data.get("kind")),
            "?",
            (Finding(path, card.line_of("kind"), "schema", message, card=path),),
            frozenset(covers),
        )
    from gate.card import schema

    found = schema.findings(card, kind.schema())
    contents, problems = _covered_contents(card, covers, ctx)
    found += problems
    for extra in kind.reads(card.data):
        if paths.escapes(extra):
            found.append(
                Finding(
                    path,
                    _line_naming(card, extra),
                    "covers",
                    f"{extra!r} leaves the repository; name a path inside it",
                    card=path,
                )
            )
    required = ctx.config.reviewers_for(kind.name)
    entries = signoff.approvals(card.data)
    digest = card_digest(card.data, contents)
    record = results.latest(card.data) if results.finished(card.data) else None
    launched = digest
    if record is not None:
        launched, problems = _record(card, record)
        found += problems
    found += signoff.signoff_findings(
        path=path,
        data=card.data,
        required=required,
        configured=ctx.config.reviewers,
        current_digest=launched,
        line_of={a.position: card.line_of("signoff", a.position) for a in entries},
        status_line=card.line_of("status"),
        body=card.body,
        body_line=card.front_end + 1,
        policy=ctx.policy,
    )
    if record is None:  # a finished card is a record: not re-judged against today's files
        facts = kind.collect(card, ctx.snapshot, ctx.config)
        found += kind.rules(card, facts, ctx.config)
    if not any(f.rule == "schema" for f in found):
        found += _region(card, kind, required)
    if ctx.config.strict:
        found = promote_warnings(found)
    status = signoff.derive_status(
        required, entries, configured=ctx.config.reviewers, policy=ctx.policy
    )
    # `path::function` covers the file for coverage (another function may change freely)
    files = {c.partition("::")[0] for c in covers}
    return CardResult(
        path,
        kind.name,
        status,
        tuple(found),
        frozenset([*covers, *files]),
        digest,
        finished=str(record.get("date", "?")) if record is not None else "",
        stale=_changed_since(record, contents) if record is not None else frozenset(),
    )


def _changed_since(
    record: Mapping[str, Any], contents: list[tuple[str, bytes | None]]
) -> frozenset[str]:
    """The covered entries (and their files) whose content is not what the run ran with,
    as `gate results` recorded it (none recorded: every one)."""
    recorded = record.get("covered")
    ran = recorded if isinstance(recorded, Mapping) else {}
    changed = {p for p, content in contents if ran.get(p) != content_hash(content)}
    return frozenset([*changed, *(p.partition("::")[0] for p in changed)])


def _record(card: document.Card, record: Mapping[str, Any]) -> tuple[str, list[Finding]]:
    """A finished card: the digest recorded at launch (its approvals are checked against
    it), and a finding when its data changed after it finished."""
    where = card.line_of("results", len(results.entries(card.data)) - 1)
    launched = record.get("digest")
    if not isinstance(launched, str) or not launched:
        message = "the last results entry has no launch digest: record them with `gate results`"
        return "", [Finding(card.path, where, "results", message, card=card.path)]
    kept = record.get("data_digest")
    if isinstance(kept, str) and kept != card_digest(card.data, ()):
        message = (
            "the card's data changed after its run finished: a finished card is a record "
            "of what ran; put the change in a new card"
        )
        return launched, [Finding(card.path, where, "results", message, card=card.path)]
    return launched, []
