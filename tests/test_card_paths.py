"""gate.card.paths: the paths a card names (covers, manifests, launch scripts), read from
what git would commit, and why one cannot be: each case asserts the reason a person
reads in the finding. A real repository (the `repo` fixture), its real index."""

from __future__ import annotations

import pytest
from conftest import SCAV, card_data

from gate.card import paths
from gate.git import Repository

EXPERIMENT = "worldmodel/experiments/policy-a.yaml"


def read(repo, path: str) -> paths.Read:
    repository = Repository(repo.root)
    try:
        return paths.read(repository.index(), path, what="covered file")
    finally:
        repository.close()


def covered(repo, entry: str) -> paths.Read:
    repository = Repository(repo.root)
    try:
        return paths.read_covered(repository.index(), entry)
    finally:
        repository.close()


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "\\\\server\\share",
        "C:/x.yaml",
        "c:x.yaml",
        "c:",
        "..",
        "../x.yaml",
        "a/../../x",
    ],
)
def test_a_path_that_leaves_the_repository_is_refused(repo, path):
    assert read(repo, path) == (
        None,
        f"covered file {path!r} leaves the repository; name a path inside it",
    )


@pytest.mark.parametrize("path", ["C", "a/../b.yaml", "..x.yaml", "a/..b"])
def test_a_path_that_only_looks_like_leaving_stays_inside(repo, path):
    assert read(repo, path) == (None, f"covered file {path!r} is not in the index")


@pytest.mark.parametrize(
    ("path", "long"),
    [
        ("a" * 255, False),  # the longest name a folder holds
        ("a" * 256, True),
        ("a/" * 2047 + "aa", False),  # 4,096 bytes: the longest path
        ("a/" * 2048 + "a", True),
        ("é" * 128, True),  # 256 bytes in UTF-8
    ],
)
def test_a_name_or_path_no_file_system_holds_is_not_a_path(repo, path, long):
    got = read(repo, path)
    if long:
        assert got == (
            None,
            f"covered file {path[:80]!r}... is not a path: no file has a name that long",
        )
    else:
        assert got == (None, f"covered file {path!r} is not in the index")


def test_a_path_too_long_below_this_checkout_is_not_in_the_index_nor_an_internal_error(repo, gate):
    """4,086 bytes is a path, but not below this checkout's folder (PATH_MAX counts the
    whole path): the card names no file here, on its `covers` line; `gate sign` says so
    too (it was an internal error, the OS refusing the name)."""
    long = "a/" * 2040 + "x.yaml"
    data = card_data()
    data["covers"] = [EXPERIMENT, long]
    repo.experiment()
    card = repo.card(data)
    repo.add(card, EXPERIMENT)
    result = gate("check")
    assert result.code == 1, result
    line = repo.read(card).splitlines().index("covers:") + 1
    assert (
        f"{card}:{line}: covers: covered file {long!r} is not in the index"
        in result.out.splitlines()
    )
    signing = gate("sign", card, "--reviewer", "Scav", as_=SCAV)
    assert signing.code == 2
    assert signing.err.startswith(
        f"gate: error: {card}: cannot sign: covered file {long!r} is not in the working tree"
    ), signing.err


def _links(repo, chain: int) -> str:
    """`link0` -> `link1` -> ... -> the experiment config, staged; the first link's path."""
    repo.add(repo.experiment())
    for i in range(chain):
        target = f"link{i + 1}" if i + 1 < chain else EXPERIMENT
        (repo.root / f"link{i}").symlink_to(target)
    repo.add(*(f"link{i}" for i in range(chain)))
    return "link0"


def test_a_symlink_inside_the_repository_is_followed_seven_deep(repo):
    assert read(repo, _links(repo, 7)) == (repo.read(EXPERIMENT).encode(), None)


def test_eight_symlinks_deep_is_too_many(repo):
    assert read(repo, _links(repo, 8)) == (
        None,
        "covered file 'link0': too many levels of symlinks",
    )


@pytest.mark.parametrize("target", ["/etc/passwd", "../outside.yaml", "worldmodel/../../x"])
def test_a_symlink_out_of_the_repository_is_named_with_its_target(repo, target):
    (repo.root / "out").symlink_to(target)
    repo.add("out")
    assert read(repo, "out") == (
        None,
        f"covered file 'out' is a symlink to {target!r}, outside the repository",
    )


def test_a_symlink_is_followed_from_its_own_folder(repo):
    """A relative target is read from the folder the link is in, as the file system
    reads it: `cfg/current.yaml -> run.yaml` is cfg/run.yaml, not run.yaml at the top."""
    repo.write("cfg/run.yaml", "lr: 3e-4\n")
    repo.write("run.yaml", "lr: 1.0\n")
    (repo.root / "cfg" / "current.yaml").symlink_to("run.yaml")
    repo.add("cfg/run.yaml", "run.yaml", "cfg/current.yaml")
    assert read(repo, "cfg/current.yaml") == (b"lr: 3e-4\n", None)


def test_a_symlink_whose_target_is_not_utf8_is_a_missing_file_not_an_error(repo):
    """git stores a link's target as bytes; one that is not UTF-8 names no file gate can
    read (it is read with U+FFFD for the bytes), and the finding says the file is not
    there, where a strict decoding would stop gate with an internal error."""
    import os

    os.symlink(b"\xffconfig.yaml", os.fsencode(repo.root / "cfg.yaml"))  # noqa: PTH211 (bytes)
    repo.add("cfg.yaml")
    assert read(repo, "cfg.yaml") == (None, "covered file 'cfg.yaml' is not in the index")


def test_a_file_only_in_the_working_tree_says_to_add_it(repo):
    repo.write("new.yaml", "a: 1\n")
    assert read(repo, "new.yaml") == (
        None,
        "covered file 'new.yaml' exists only in the working tree, not in the index: "
        "`git add` it (the gate checks what is committed)",
    )


SCRIPT = """\
import modal

app = modal.App("x")
STEPS = 10


@app.function(gpu="A100")
def train():
    return STEPS
"""


def test_a_function_entry_covers_the_function_and_what_it_reads(repo):
    repo.write("launch.py", SCRIPT)
    repo.add("launch.py")
    assert covered(repo, "launch.py::train") == (
        b'@app.function(gpu="A100")\ndef train():\n    return STEPS\n'
        b'import modal\napp = modal.App("x")\nSTEPS = 10\n',
        None,
    )
    assert covered(repo, "launch.py") == (SCRIPT.encode(), None)


def test_a_path_with_a_single_colon_is_a_whole_file(repo):
    repo.write("ab:c.py", "x = 1\n")
    repo.add("ab:c.py")
    assert covered(repo, "ab:c.py") == (b"x = 1\n", None)


@pytest.mark.parametrize(
    ("content", "entry", "problem", "end"),
    [
        (SCRIPT, "launch.py::fit", "covers 'launch.py::fit': launch.py has no top-level function 'fit'", None),
        ("def train(:\n", "launch.py::train", "covers 'launch.py::train': launch.py does not parse: ", " (line 1)"),
        (b"x = '\xff'\n", "launch.py::train", "covered file 'launch.py' is not UTF-8", None),
        (SCRIPT, "gone.py::train", "covered file 'gone.py' is not in the index", None),
    ],
)  # fmt: skip
def test_a_function_entry_gate_cannot_read_says_why(repo, content, entry, problem, end):
    """The whole message; a parse error's ends with the line Python names (its wording
    is Python's own, and varies between versions)."""
    repo.write("launch.py", content)
    repo.add("launch.py")
    got = covered(repo, entry)
    assert got.content is None and got.problem is not None
    if end is None:
        assert got.problem == problem
    else:
        assert got.problem.startswith(problem) and got.problem.endswith(end), got.problem
        assert got.problem.count("(line") == 1, got.problem


# -- a covers entry must be written so gate finds the card when the file changes ------------


def problem(repo, entry: str, text: str) -> str | None:
    repository = Repository(repo.root)
    try:
        return paths.entry_problem(repository.index(), entry, text)
    finally:
        repository.close()


def test_an_entry_as_written_in_the_card_stands(repo):
    assert problem(repo, EXPERIMENT, f"covers:\n- {EXPERIMENT}\n") is None
    assert problem(repo, f"{EXPERIMENT}::train", f"- {EXPERIMENT}::train\n") is None


def test_an_entry_not_written_out_plainly_is_named(repo):
    assert problem(repo, EXPERIMENT, 'covers:\n- "worldmodel/experiments/policy\\x2da.yaml"\n') == (
        f"{EXPERIMENT!r} is not written out as plain text (YAML escapes or a line break inside "
        "it): write the path as it is, so that gate finds this card when the file changes"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "normal"),
    [("./a.yaml", "a.yaml"), ("a//b.yaml", "a/b.yaml"), ("a/./b.yaml", "a/b.yaml"), ("a/", "a")],
)
def test_an_entry_not_in_normal_form_is_named_with_its_normal_form(repo, entry, normal):
    assert problem(repo, f"{entry}::f", f"- {entry}::f\n") == (
        f"'{entry}::f' is not in normal form: write it as {normal!r} (no `./`, `//`, `/./` or "
        "trailing `/`)"
    )


def test_an_entry_leaving_the_repository_is_not_also_asked_for_normal_form(repo):
    """`../x/./a.yaml` leaves the repository: that is what its finding says (elsewhere)."""
    assert problem(repo, "../x/./a.yaml", "- ../x/./a.yaml\n") is None


def test_an_entry_that_is_a_symlink_is_named_with_its_target(repo):
    (repo.root / "cfg.yaml").symlink_to(EXPERIMENT)
    repo.add("cfg.yaml")
    assert problem(repo, "cfg.yaml", "- cfg.yaml\n") == (
        f"'cfg.yaml' is a symlink (to {EXPERIMENT!r}): cover the file it points to, whose "
        "changes the card must see"
    )
    repository = Repository(repo.root)
    try:  # a gated link the check follows (`allow_links`) may stand
        assert (
            paths.entry_problem(repository.index(), "cfg.yaml", "- cfg.yaml\n", followed=True)
            is None
        )
    finally:
        repository.close()
