"""Small pure pieces: schemas, globs, front-matter edits, YAML loading, the digest."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from conftest import card_data, card_text
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gate.card import document, frontmatter
from gate.card.digest import card_digest
from gate.git import globs
from gate.review import signoff
from gate.sources import yamlio

SCHEMAS = sorted((Path(__file__).resolve().parent.parent / "schemas").glob("*.schema.json"))


def _properties(node, path="#"):
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}/properties/{name}", sub
        for key, sub in node.items():
            if key in ("if", "then", "else", "not"):
                continue  # conditions restate fields, they do not define them
            if isinstance(sub, dict | list):
                yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}/{i}")


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_2020_12_with_an_id_and_every_field_described(path):
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(path.name)
    undocumented = [
        where
        for where, sub in _properties(schema)
        if isinstance(sub, dict) and "description" not in sub
    ]
    assert undocumented == []
    assert "http" not in json.dumps(
        [v for k, v in schema.items() if k not in ("$schema", "$id")]
    ).replace("https://json-schema.org", "")


def test_generated_card_data_validates():
    schema = json.loads((SCHEMAS[0].parent / "policy.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(card_data())) == []


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        (("worldmodel/experiments/*.yaml",), "worldmodel/experiments/a.yaml", True),
        (("worldmodel/experiments/*.yaml",), "worldmodel/experiments/sub/a.yaml", False),
        (("worldmodel/experiments/*.yaml",), "worldmodel/experiments/a.yml", False),
        (("launch/**/*.sh",), "launch/a.sh", True),
        (("launch/**/*.sh",), "launch/x/y/a.sh", True),
        (("**/*.yaml",), "deep/er/c.yaml", True),
        (("cfg/[!_]*.yaml",), "cfg/_private.yaml", False),
        (("cfg/[!_]*.yaml",), "cfg/public.yaml", True),
        (("a?.yaml",), "ab.yaml", True),
        ((), "anything", False),
    ],
)
def test_gated_globs(patterns, path, expected):
    assert globs.matches(patterns, path) is expected


def test_sign_edit_touches_only_that_reviewers_line():
    front = (
        "kind: policy\nstatus: PENDING REVIEW\nsignoff:\n"
        '  - {reviewer: "Mattie", verdict: "approved", date: "2026-11-01", digest: "sha256:aa"}\n'
        "  - reviewer: Scav\n    verdict: approved\n    date: '2026-11-01'\n    digest: old\n"
    )
    entry = {"reviewer": "Scav", "verdict": "approved", "date": "2026-11-24", "digest": "sha256:bb"}
    edited = frontmatter.set_approval(front, entry, 1, [3, 4])
    lines = edited.splitlines()
    assert lines[3] == front.splitlines()[3]  # Mattie's line untouched
    assert lines[4:] == [
        '  - reviewer: "Scav"',
        '    verdict: "approved"',
        '    date: "2026-11-24"',
        '    digest: "sha256:bb"',
    ]
    assert yamlio.load(edited).data["signoff"][1]["digest"] == "sha256:bb"


def test_a_signature_is_written_as_a_literal_block_and_reads_back_byte_for_byte():
    armored = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\nAAAA==\n-----END SSH SIGNATURE-----\n"
    entry = {"reviewer": "Scav", "verdict": "approved", "digest": "sha256:bb", "signature": armored}
    edited = frontmatter.set_approval("kind: policy\nsignoff: []\nz: 1\n", entry, None, [])
    assert edited == (
        'kind: policy\nsignoff:\n  - reviewer: "Scav"\n    verdict: "approved"\n'
        '    digest: "sha256:bb"\n    signature: |\n      -----BEGIN SSH SIGNATURE-----\n'
        "      U1NIU0lH\n      AAAA==\n      -----END SSH SIGNATURE-----\nz: 1\n"
    )
    data = yamlio.load(edited).data
    assert data["signoff"][0]["signature"] == armored
    assert data["z"] == 1


@pytest.mark.parametrize(
    "reason",
    [
        "lr too high",
        "lr too high\n",  # one line: JSON, like any other
        "two\nlines",
        "two\nlines\n",
        "ends in\nblank lines\n\n",
        "  indented\nfirst line\n",
        "\nstarts blank\n",
        "a tab\there\nx\n",
        "crlf\r\nline\n",
        "trailing spaces  \nkept  \n",
    ],
)
def test_an_entry_reads_back_every_value_as_it_was(reason):
    """`gate sign --block REASON` with any text: the card reads back that very text (a
    literal block only for what one reads back exactly, JSON for the rest)."""
    entry = {"reviewer": "Scav", "verdict": "blocked", "reason": reason}
    edited = frontmatter.append_item("kind: policy\nsignoff: []\n", "signoff", entry)
    assert yamlio.load(edited).data["signoff"] == [entry]


@pytest.mark.parametrize(
    ("reason", "written"),
    [
        ("two\nlines\n", ["    reason: |", "      two", "      lines"]),
        (" indented\nfirst line\n", ['    reason: " indented\\nfirst line\\n"']),
        ("one line\n", ['    reason: "one line\\n"']),
    ],
)
def test_a_value_of_lines_is_written_as_a_literal_block_only_when_it_reads_back(reason, written):
    entry = {"reviewer": "Scav", "verdict": "blocked", "reason": reason}
    edited = frontmatter.append_item("kind: policy\nsignoff: []\n", "signoff", entry)
    assert edited.splitlines()[4:] == written


def test_sign_edit_keeps_the_indent_of_a_list_written_without_one():
    """`signoff:` items at column 0 (as PyYAML and many formatters write a list): the
    replaced entry stays at column 0, or the card would no longer read."""
    front = (
        "kind: policy\nsignoff:\n"
        '- {reviewer: "Mattie", verdict: "approved", date: "2026-11-01", digest: "sha256:aa"}\n'
        "- reviewer: Scav\n  verdict: approved\n  date: '2026-11-01'\n  digest: old\nz: 1\n"
    )
    entry = {"reviewer": "Scav", "verdict": "approved", "date": "2026-11-24", "digest": "sha256:bb"}
    edited = frontmatter.set_approval(front, entry, 1, [2, 3])
    assert edited == (
        "kind: policy\nsignoff:\n"
        '- {reviewer: "Mattie", verdict: "approved", date: "2026-11-01", digest: "sha256:aa"}\n'
        '- reviewer: "Scav"\n  verdict: "approved"\n  date: "2026-11-24"\n'
        '  digest: "sha256:bb"\nz: 1\n'
    )
    assert [e["digest"] for e in yamlio.load(edited).data["signoff"]] == ["sha256:aa", "sha256:bb"]


@pytest.mark.parametrize(
    "last",
    [
        "goal: compare against run X\n",  # ends in a capital X
        "goal: |\n  two spaces end this line  \n",  # trailing spaces that are data
        "goal: x\n\n\n",  # blank lines before the end
    ],
)
def test_a_list_missing_from_the_front_matter_is_added_after_its_last_line(last):
    """`gate launch` / `gate results` on a card without `launches` / `results`: the list
    goes right after the last line, which stays as written (blank lines at the end go)."""
    front = f"kind: run\n{last}"
    edited = frontmatter.append_item(front, "launches", {"date": "2026-11-24", "commit": "none"})
    assert edited == (
        f"kind: run\n{last.rstrip(chr(10))}\n"
        'launches:\n  - date: "2026-11-24"\n    commit: "none"\n'
    )
    assert yamlio.load(edited).data["goal"] == yamlio.load(front).data["goal"]


@pytest.mark.parametrize("indent", ["", "    "])
def test_an_entry_added_to_a_list_takes_the_lists_indent(indent):
    front = f"kind: run\nlaunches:\n{indent}- date: a\n{indent}  commit: c\nz: 1\n"
    edited = frontmatter.append_item(front, "launches", {"date": "b", "commit": "d"})
    assert edited == (
        f"kind: run\nlaunches:\n{indent}- date: a\n{indent}  commit: c\n"
        f'{indent}- date: "b"\n{indent}  commit: "d"\nz: 1\n'
    )
    assert yamlio.load(edited).data["launches"] == [
        {"date": "a", "commit": "c"},
        {"date": "b", "commit": "d"},
    ]


@pytest.mark.parametrize("after", ["z: 1", "X_notes: 1", '"z": 1', "2nd: 1"])
def test_an_entry_goes_after_the_whole_list_comments_and_blank_lines_included(after):
    """The last `results` entry is the run's result: a comment at column 0 or a blank
    line between entries does not end the list, the next top-level key (any name,
    quoted or not) does; so the new entry is the last, and the key after stays after."""
    front = f"kind: run\nresults:\n  - date: a\n#rerun\n\n  - date: b\n\n{after}\n"
    edited = frontmatter.append_item(front, "results", {"date": "c"})
    assert edited == (
        f'kind: run\nresults:\n  - date: a\n#rerun\n\n  - date: b\n  - date: "c"\n\n{after}\n'
    )
    assert [e["date"] for e in yamlio.load(edited).data["results"]] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "line", ["launches: [{date: x}]", "launches: [{date: x}]  # written by:", "launches: :x"]
)
def test_a_list_key_holding_a_value_on_its_line_is_refused_not_overwritten(line):
    with pytest.raises(ValueError, match="`launches` is written in flow style on one line"):
        frontmatter.append_item(f"kind: run\n{line}\n", "launches", {"date": "2026-11-24"})


@pytest.mark.parametrize("empty", ["", " []", " null", " ~"])
def test_an_empty_list_key_in_any_spelling_takes_the_entry(empty):
    front = f"kind: run\nlaunches:{empty}\nz: 1\n"
    edited = frontmatter.append_item(front, "launches", {"date": "2026-11-24"})
    assert edited == 'kind: run\nlaunches:\n  - date: "2026-11-24"\nz: 1\n'


def test_sign_edit_appends_to_an_empty_list():
    edited = frontmatter.set_approval("a: 1\nsignoff: []\n", {"reviewer": "Scav"}, None, [])
    assert yamlio.load(edited).data == {"a": 1, "signoff": [{"reviewer": "Scav"}]}


def test_status_line_is_replaced_in_place():
    assert frontmatter.set_status("a: 1\nstatus: PENDING REVIEW\nb: 2\n", "APPROVED") == (
        "a: 1\nstatus: APPROVED\nb: 2\n"
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: &x 1\nb: *x\n", 1),
        ("a: 1\nb: [&y 2, *y]\n", 2),
    ],
)
def test_yaml_anchors_are_refused_with_their_line(text, line):
    with pytest.raises(yamlio.YamlProblem) as caught:
        yamlio.load(text)
    assert caught.value.line == line


def test_yaml_keeps_dates_as_written_and_knows_lines():
    loaded = yamlio.load("a:\n  b: 2026-11-24\n  c:\n    - x\n")
    assert loaded.data == {"a": {"b": "2026-11-24", "c": ["x"]}}
    assert loaded.lines[("a", "c", 0)] == 4


def test_region_and_prose_are_found():
    card = document.parse("c.md", card_text(card_data(), prose="\n## Notes\n\nkeep me\n").encode())
    region = document.region(card)
    assert region.inner is not None and region.inner.startswith("# Policy Run Card: policy-a")
    assert region.after == "\n\n## Notes\n\nkeep me\n"
    assert region.line == card.front_end + 1


def test_digest_changes_with_data_and_covered_files_not_with_signoff():
    data = card_data()
    base = card_digest(data, [("c.yaml", b"x: 1\n")])
    assert (
        card_digest(
            {**data, "signoff": [{"reviewer": "Scav"}], "status": "APPROVED"},
            [("c.yaml", b"x: 1\n")],
        )
        == base
    )
    assert card_digest(data, [("c.yaml", b"x: 2\n")]) != base
    assert card_digest({**data, "goal": "other"}, [("c.yaml", b"x: 1\n")]) != base
    assert card_digest(data, [("c.yaml", None)]) != base


@pytest.mark.parametrize(
    ("entries", "status"),
    [
        ([], signoff.PENDING),
        ([("Scav", "approved")], signoff.PENDING),
        ([("Scav", "approved"), ("Mattie", "approved")], signoff.APPROVED),
        ([("Scav", "approved"), ("Mattie", "blocked")], signoff.BLOCKED),
    ],
)
def test_status_is_derived_from_approvals(entries, status):
    approvals = [signoff.Approval(n, v, "", "", "", i) for i, (n, v) in enumerate(entries)]
    assert (
        signoff.derive_status(("Scav", "Mattie"), approvals, configured=("Scav", "Mattie"))
        == status
    )


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab09_./:=@%+,- \t\r\n-'\"\\#$`;|&~*")), max_size=30))
def test_shell_words_are_shlex_words(command):
    """The fast path for plain commands gives what `shlex.split` gives, for any text."""
    from gate.kinds.values import shell_words

    try:
        expected = shlex.split(command)
    except ValueError:
        with pytest.raises(ValueError):
            shell_words(command)
        return
    assert shell_words(command) == expected


@pytest.mark.parametrize("generated", ["| a | b |", "| a | b |\n", "| a | b |\r\n"])
def test_the_generated_region_ends_on_one_line_break_before_its_end_marker(generated):
    """Whether a kind's rendered text ends in a line break or not, the card holds it
    once, then the end marker on the next line: no blank line in the region."""
    card = document.compose("run_name: r\n", generated)
    assert f"| a | b |\n{document.END}\n" in card
    assert document.region_text(generated) == "| a | b |\n"
