"""The readers `gate adopt` uses on a hand-written card's table cells, by hand: each case
is a cell as people write it and the value the adopted card records (None: reported,
never guessed). Written from the mutation run: each case pins a behaviour a mutant
changed."""

from __future__ import annotations

import pytest

from gate.card import legacy_values as lv


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("~2,000", True),
        ("≈ 5 h", True),
        ("About 3 hours", True),
        ("**Estimated** 4h", True),
        ("est. 4h", True),
        ("EST. 4h", True),
        ("4h (estimated)", True),
        ("4h", False),
        ("a best estimate", False),  # "estimate" is not "estimated"
        ("latest. 4h", False),  # `est.` counts only at the start
    ],
)
def test_approximate(text, want):
    assert lv.approximate(text) is want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("None.", True),
        ("N/A", True),
        ("**-**", True),
        ("off", True),
        ("Platform default", True),
        (".none", False),
        ("nonexistent", False),
        ("0", False),
    ],
)
def test_nothing(text, want):
    assert lv.nothing(text) is want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("(7,200 games, 90%)", 0.9),
        ("71.25 % of frames", 0.7125),
        ("1/3 = 33.3333333333333%", 0.333333333333),
        ("no percentage", None),
    ],
)
def test_percent_anywhere(text, want):
    assert lv.percent_anywhere(text) == want


@pytest.mark.parametrize(
    ("text", "bare", "want"),
    [
        ("14400s (4h)", None, 14400),
        ("~60ms", None, 0.06),
        ("4h 24m", None, 15840),
        ("4h 24m (safety) 3h", None, 15840),
        ("4h (safety)", None, 14400),
        ("90 min", None, 5400),
        ("86400", "s", 86400),
        ("86400", None, None),
        ("4h 30", None, 14400),  # a bare number after a unit is not a second part
        ("1h 1s", None, 3601),
        ("4h ~30m", None, 14400),  # the second part starts with a digit or is not one
        ("0.0000000001 s", None, 0.0),  # nine decimals, as the card records them
        ("1 parsec", None, None),
    ],
)
def test_seconds(text, bare, want):
    assert lv.seconds(text, bare=bare) == want


def test_a_duration_ends_at_the_first_word_that_is_not_a_unit():
    assert lv.seconds("2h then 3h") == 7200
    assert lv.seconds("2 hours 5 apples") == 7200


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("13.8 GB", 13.8),
        ("512 MB", 0.512),
        ("1.5 TB", 1500.0),
        ("0.0000000001 GB", 0.0),
        ("12 GiB", None),
        ("12", None),
    ],
)
def test_gigabytes(text, want):
    assert lv.gigabytes(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [("$6.40", 6.4), ("~$6.40", 6.4), ("~ ~$6.40", None), ("6.40", None), ("€6.40", None)],
)
def test_dollars(text, want):
    assert lv.dollars(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-03-04 (updated)", "2026-03-04"),
        ("**2026-03-04**", "2026-03-04"),
        ("March 4", None),
        ("2026-03-045", None),
    ],
)
def test_date(text, want):
    assert lv.date(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("`train` (the Modal function)", "train"),
        ("see `a` and `b`", "a"),
        ("**train**", "train"),
        ("train it", None),
        ("", None),
    ],
)
def test_first_code(text, want):
    assert lv.first_code(text) == want


def test_key_values():
    assert lv.key_values("Continuous=1.0, velocity = 0.5; (x=1)") == {
        "Continuous": "1.0",
        "velocity": "0.5",
        "x": "1",
    }


@pytest.mark.parametrize(
    ("text", "want"),
    [("71.2% ( ssm-2k-base, 2ep )", "ssm-2k-base, 2ep"), ("no run", None), ("a (b (c) d)", "c")],
)
def test_parenthesised(text, want):
    assert lv.parenthesised(text) == want


# -- names as compared (headings, columns, field names) -----------------------------------


def test_names_compare_without_emphasis_backticks_or_case():
    from gate.card.legacy import key, key_text

    assert key("**Est.**  `cost` __(USD)__") == "est. cost (usd)"
    assert key_text("**Est.**  __Cost__ `x`") == "Est. Cost `x`"


def test_a_heading_or_column_matches_by_its_start_or_parenthesis():
    from gate.card.legacy_read import read

    card = read(
        "c.md",
        "# Run card: x\n\n## Encoding(v3)\n\ntext\n\n## Cost\n\n"
        "| Run | Baseline (source) | Baseline2 |\n|---|---|---|\n| a | 1 | 2 |\n",
    )
    assert card.section("encoding").heading == "Encoding(v3)"
    assert card.section("enc") is None
    (table,) = card.section("cost").tables
    assert table.column("baseline") == 1
    assert table.column("base") is None


# -- the reader: a hand-written card with every construct, read by hand ------------------

LEGACY = """```
# Not: the title (fenced)
```
# Run Card: `**policy-4k**`

**Status**: PENDING
**Owner:** Scav

## Data

| Field | Value |
|---|---|
| Games | **2,000** |
| Lonely |
| | skipped |

Some prose
over two lines.

  | Run | Baseline (source) |
  |:---|---:|
  | a \\| b | 1 |

- first bullet
  continued here
- second
  - [x] Scav reviewed — fine
- [ ] Mattie reviewed

```python
x = 1
```
| not | a table |
| Tail | table |
|---|---|
"""


def test_a_hand_written_card_is_read_construct_by_construct():
    """Line numbers are the file's (1-based): the title, each header, field, table,
    bullet, paragraph, code block and checkbox names the line `gate adopt` reports."""
    from gate.card.legacy import Checkbox, Code, Field, Row, Table, Text
    from gate.card.legacy_read import read

    card = read("c.md", LEGACY)
    assert (card.title, card.name, card.line) == ("Run Card", "policy-4k", 4)
    assert card.headers == (
        Field("Status", "PENDING", 6, ""),
        Field("Owner", "Scav", 7, ""),
    )
    (data,) = card.sections
    assert (data.heading, data.level, data.line) == ("Data", 2, 9)
    assert data.fields == (
        Field("Games", "**2,000**", 13, "Data"),
        Field("Lonely", "", 14, "Data"),
    )
    assert data.tables == (
        Table(("Run", "Baseline (source)"), (Row(("a | b", "1"), 22),), 20),
        Table(("Tail", "table"), (), 34),
    )
    assert data.bullets == (
        Text("first bullet continued here", 24),
        Text("second", 26),
        Text("[x] Scav reviewed — fine", 27),
        Text("[ ] Mattie reviewed", 28),
    )
    assert data.paragraphs == (
        Text("Some prose over two lines.", 17),
        Text("| not | a table |", 33),
    )
    assert data.code == (Code("python", "x = 1", 30),)
    assert card.checkboxes == (
        Checkbox("Scav", True, "- [x] Scav reviewed — fine", 27),
        Checkbox("Mattie", False, "- [ ] Mattie reviewed", 28),
    )


@pytest.mark.parametrize(
    ("reader", "text", "want"),
    [
        (lv.count, "__2,000__ games", 2000),
        (lv.count, "`1,000` batches", 1000),
        (lv.count, "2K", 2000),
        (lv.count, "3x", None),  # a speed-up, not a count
        (lv.count, "3X", None),
        (lv.count, "~ ~5", None),  # one `~` is an estimate; a second is not a number
        (lv.number, "2k", None),
        (lv.number, "2 M", None),
        (lv.ratio, "33.3333333333333%", 0.333333333333),
        (lv.seconds, "5 sec.", 5),
    ],
)
def test_counts_numbers_and_units(reader, text, want):
    assert reader(text) == want


def test_a_crlf_card_reads_as_its_lf_twin():
    from gate.card.legacy_read import read

    lf, crlf = read("c.md", LEGACY), read("c.md", LEGACY.replace("\n", "\r\n"))
    assert (crlf.path, crlf.text) == ("c.md", LEGACY.replace("\n", "\r\n"))
    assert (lf.path, lf.text) == ("c.md", LEGACY)
    assert crlf._replace(text="") == lf._replace(text="")


def test_a_fence_closes_only_on_its_own_kind_and_length():
    from gate.card.legacy_read import read

    text = (
        "````md\n# Fake: in a fence\n```\n~~~\n````\n"
        "~~~\n# Fake: tilde\n```\n~~~~\n"
        "# Run Card: real\n"
    )
    card = read("c.md", text)
    assert (card.name, card.line) == ("real", 10)


def test_a_code_block_keeps_the_shorter_or_other_fences_it_holds():
    """A block ends only at its own closing fence, so its text (where `gate adopt` finds
    launch commands) keeps every line: a ```` block showing a ``` snippet, a ~~~ block
    holding a ``` line, and the prose after each."""
    from gate.card.legacy import Code, Text
    from gate.card.legacy_read import read

    text = (
        "# Run Card: x\n## Launch\n"
        "````md\n```bash\npython train.py --config a.yaml\n```\n````\nafter one\n\n"
        "~~~\n```\npython eval.py\n~~~~\nafter two\n"
    )
    (section,) = read("c.md", text).sections
    assert section.code == (
        Code("md", "```bash\npython train.py --config a.yaml\n```", 3),
        Code("", "```\npython eval.py", 10),
    )
    assert section.paragraphs == (Text("after one", 8), Text("after two", 14))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "intro\n# Not a title\n",
            2,
            "the first heading '# Not a title' is not a card title such as `# Run Card: NAME`",
        ),
        (
            "no heading\n",
            1,
            "no title line such as `# Run Card: NAME`: not a hand-written run card",
        ),
    ],
)
def test_a_file_that_is_not_a_hand_written_card_is_refused_on_its_line(text, line, message):
    from gate.card.legacy import LegacyProblem
    from gate.card.legacy_read import read

    with pytest.raises(LegacyProblem) as refused:
        read("c.md", text)
    assert (refused.value.line, refused.value.message) == (line, message)


def test_the_edges_of_a_hand_written_card_are_read():
    """An empty code block, a bullet continued by one space, a paragraph right above a
    separator-like row, two Field | Value tables, rows with and without a closing pipe,
    and a file that ends inside a table with no newline."""
    from gate.card.legacy import Code, Field, Row, Table, Text
    from gate.card.legacy_read import read

    text = (
        "# Run Card: x\n## A\n```\n```\n- one\n two\n\nprose\n|---|---|\n\n"
        "| Field | Value |\n|---|---|\n| Games | 1 |\n\n"
        "| Field | Value |\n|---|---|\n| Epochs | 2 |\n\n"
        "| k | v |\n|---|---|\n| a | b\n|a|b|\n| c | d \\|\n| e | f"
    )
    (section,) = read("c.md", text).sections
    assert section.code == (Code("", "", 3),)
    assert section.bullets == (Text("one two", 5),)
    assert section.paragraphs[0] == Text("prose |---|---|", 8)
    assert section.fields == (Field("Games", "1", 13, "A"), Field("Epochs", "2", 17, "A"))
    assert section.tables == (
        Table(
            ("k", "v"),
            (
                Row(("a", "b"), 21),
                Row(("a", "b"), 22),
                Row(("c", "d |"), 23),
                Row(("e", "f"), 24),
            ),
            19,
        ),
    )


def test_a_card_that_ends_inside_a_code_block_is_read():
    from gate.card.legacy import Code
    from gate.card.legacy_read import read

    (section,) = read("c.md", "# Run Card: x\n## A\n```sh\nrun it").sections
    assert section.code == (Code("sh", "run it", 3),)


def test_a_table_or_a_pipe_line_on_the_files_last_line_without_a_newline():
    from gate.card.legacy import Table, Text
    from gate.card.legacy_read import read

    (table_at_end,) = read("c.md", "# Run Card: x\n## A\n| h | v |\n|---|---|").sections
    assert table_at_end.tables == (Table(("h", "v"), (), 3),)
    (pipe_at_end,) = read("c.md", "# Run Card: x\n## A\ntext\n| lone |").sections
    assert pipe_at_end.paragraphs == (Text("text | lone |", 3),)
