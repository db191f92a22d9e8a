"""`crm import interactions` reads JSON arrays and NDJSON: round trips, repeats, bad items, broken files."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from crm_tui.io import jsonread
from crm_tui.io.interactions_json import JsonItems, sniff_format
from tests.conftest import examples
from tests.io.conftest import Crm, FreshDb, Query
from tests.io.test_random_input import EXAMPLES, check_import_contract, flags

CONTACTS = (
    ("Ada Lovelace", "ada@analytical.io"),
    ("Bob Nomail", None),  # found by contact_id: the export has no email for him
    ("Grace Hopper", "grace@navy.mil"),
)
# Synonyms as a script might write them; a time without offset is read in the user's zone (--tz).
SCRIPTED = (
    '{"contact": "#2", "when": "2026-11-02T09:30:00.250000-05:00", "type": "Meeting", "direction": "Inbound",'
    ' "subject": "Caf\\u00e9  \\u2615 talk", "by": "grace"}\n'
    '{"email": "GRACE@navy.mil", "occurred_at": "2026-11-03 08:00", "kind": "email", "summary": "Re: COBOL",'
    ' "body": null}\n'
)


def add_contacts(crm: Crm) -> None:
    for name, email in CONTACTS:
        assert crm("contact", "add", name, *(["--email", email] if email else []))[0] == 0


def count(query: Query, table: str = "interactions") -> int:
    return int(query(f"SELECT count(*) FROM {table}")[0][0])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def summary(err: str) -> str:
    """The import's summary line without its batch id (PostgreSQL does not reuse the ids of failed imports)."""
    return re.sub(r"^import \d+: ", "import N: ", err)


def without_created_at(text: str) -> str:
    """An export with its created_at values blanked: an import stamps its own time there."""
    return re.sub(r'"created_at": "[^"]*"', '"created_at": ""', text)


@pytest.fixture
def exported(crm: Crm, tmp_path: Path) -> dict[str, str]:
    """Three interactions (logged, and imported from NDJSON with synonyms) exported as json, ndjson and csv."""
    add_contacts(crm)
    code, _, err = crm(
        "log", "ada@analytical.io", "call", "Discussed the engine", "--at", "2026-11-01 10:00",
        "--body", '=1+1\nsecond line, "quoted"',
    )  # fmt: skip
    assert code == 0, err
    code, _, err = crm("--tz", "Europe/Paris", "import", "interactions", write(tmp_path, "s.ndjson", SCRIPTED))
    assert code == 0 and "2 created" in err, err
    return {fmt: crm("export", "interactions", "--format", fmt)[1] for fmt in ("json", "ndjson", "csv")}


def test_export_holds_what_was_read(exported: dict[str, str]) -> None:
    items = json.loads(exported["json"])
    assert [(i["contact_id"], i["email"], i["kind"], i["direction"], i["author"]) for i in items] == [
        (1, "ada@analytical.io", "call", None, "tester"),
        (2, None, "meeting", "in", "grace"),
        (3, "grace@navy.mil", "email", None, "tester"),
    ]
    assert items[1]["occurred_at"] == "2026-11-02T14:30:00.250000+00:00"
    assert items[1]["summary"] == "Café ☕ talk"
    assert items[2]["occurred_at"] == "2026-11-03T07:00:00+00:00"  # 08:00 in Paris
    assert exported["ndjson"].splitlines() == [json.dumps(i, ensure_ascii=False) for i in items]


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_round_trip_into_a_fresh_database(
    crm: Crm, fresh_db: FreshDb, exported: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    path = write(tmp_path, f"timeline.{fmt}", exported[fmt])
    fresh_db(f"second-{fmt}.db")
    add_contacts(crm)
    code, out, err = crm("--user", "someone-else", "import", "interactions", path)
    assert (code, out, err) == (0, "1\n", "import 1: 3 created, 0 updated, 0 unchanged, 0 skipped\n")
    again = crm("export", "interactions", "--format", fmt)[1]
    # Ids and authors come back as they were; only created_at is the time of the import.
    assert again != exported[fmt]
    assert without_created_at(again) == without_created_at(exported[fmt])


def test_stdin_and_repeats_add_nothing(crm: Crm, query: Query, exported: dict[str, str], tmp_path: Path) -> None:
    before = query("SELECT id, contact_id, kind, occurred_at, summary, body, author FROM interactions ORDER BY id")
    for fmt in ("ndjson", "json", "csv"):
        code, _, err = crm("import", "interactions", "-", input=exported[fmt].encode())
        assert (code, summary(err)) == (0, "import N: 0 created, 0 updated, 3 unchanged, 0 skipped; nothing changed\n")
    path = write(tmp_path, "again.json", exported["json"])
    assert crm("import", "interactions", path)[2].endswith("3 unchanged, 0 skipped; nothing changed\n")
    after = query("SELECT id, contact_id, kind, occurred_at, summary, body, author FROM interactions ORDER BY id")
    assert after == before


def test_synonyms_bom_and_dry_run(crm: Crm, query: Query) -> None:
    add_contacts(crm)
    data = (
        b'\xef\xbb\xbf[{"contact_id": 2, "date": "2026-11-05", "type": "Note", "notes": "Only a body,\\nno summary"},'
        b'{"contact": "Bob Nomail", "email": "ada@analytical.io", "timestamp": "2026-11-06T12:00:00Z",'
        b' "title": "Called", "type": "call", "direction": "outgoing"}]'
    )
    code, out, err = crm("import", "interactions", "-", "--dry-run", input=data)
    assert (code, out) == (0, "line 1: created Only a body, no summary\nline 1: created Called\n"), err
    assert count(query) == 0
    assert crm("import", "interactions", "-", input=data)[0] == 0
    rows = query("SELECT contact_id, kind, direction, summary, body FROM interactions ORDER BY occurred_at")
    assert [tuple(r) for r in rows] == [
        (2, "note", None, "Only a body, no summary", "Only a body,\nno summary"),
        (1, "call", "out", "Called", None),
    ]


BAD_ARRAY = """[
  {"email": "ada@analytical.io", "occurred_at": "2026-11-01T10:00:00+00:00", "kind": "call", "summary": "Good"},
  {"email": "ada@analytical.io", "occurred_at": "2026-11-02T10:00:00+00:00", "kind": "fax", "summary": "Bad kind"},
  {"email": "nobody@x.io", "occurred_at": "2026-11-03T10:00:00+00:00", "summary": "Unknown contact"},
  42
]
"""


def test_bad_item_stops_everything(crm: Crm, query: Query, tmp_path: Path) -> None:
    add_contacts(crm)
    code, out, err = crm("import", "interactions", write(tmp_path, "bad.json", BAD_ARRAY))
    assert (code, out) == (1, "")
    assert err == (
        "crm: bad.json item 2 (line 3): unknown kind 'fax'"
        " (use call, email, meeting, message, note, feedback) (key kind)\n"
    )
    bad = '{"email": "ada@analytical.io", "occurred_at": "someday", "summary": "x"}\n'
    code, _, err = crm("import", "interactions", "-", input=SCRIPTED + bad)
    assert (code, err) == (1, "crm: stdin line 3: 'someday' is not a date (key occurred_at)\n")
    assert count(query) == 0
    assert count(query, "import_batches") == 0


def test_skip_invalid_writes_rejects_as_csv(crm: Crm, query: Query, tmp_path: Path) -> None:
    add_contacts(crm)
    rejects = tmp_path / "rejects.csv"
    path = write(tmp_path, "bad.json", BAD_ARRAY)
    code, _, err = crm("import", "interactions", path, "--skip-invalid", "--rejects", str(rejects))
    assert (code, summary(err)) == (0, "import N: 1 created, 0 updated, 0 unchanged, 3 skipped (3 invalid)\n")
    assert [r[0] for r in query("SELECT summary FROM interactions")] == ["Good"]
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert rows == [
        ["contact_id", "email", "kind", "direction", "occurred_at", "summary", "body", "author", "score", "scale",
         "reason"],
        ["", "ada@analytical.io", "fax", "", "2026-11-02T10:00:00+00:00", "Bad kind", "", "", "", "",
         "unknown kind 'fax' (use call, email, meeting, message, note, feedback) (key kind)"],
        ["", "nobody@x.io", "", "", "2026-11-03T10:00:00+00:00", "Unknown contact", "", "", "", "",
         "no contact has the email nobody@x.io"],
        ["", "", "", "", "", "", "", "", "", "", "a number where an object was expected"],
    ]  # fmt: skip
    # Without --skip-invalid the unknown contact stops the import, named by its item as the other errors are.
    minified = json.dumps([{"email": "nobody@x.io", "occurred_at": "2026-11-03", "summary": "x"}])
    code, _, err = crm("import", "interactions", write(tmp_path, "min.json", minified))
    assert (code, err) == (1, "crm: min.json item 1 (line 1): no contact has the email nobody@x.io\n")
    # The rejects file is an interactions CSV: fixed, it reads back.
    fixed = rejects.read_text(encoding="utf-8").replace(",fax,", ",call,").replace("nobody@x.io", "grace@navy.mil")
    code, _, err = crm("import", "interactions", write(tmp_path, "fixed.csv", fixed), "--skip-invalid")
    assert "2 created" in err and "1 skipped (1 invalid)" in err, err


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ('{"contact_id": 99999999999999999999, "occurred_at": "2026-11-01", "summary": "a"}',
         "'99999999999999999999' is not a contact id (key contact_id)"),
        ('{"contact_id": 1, "occurred_at": "9999-12-31T23:59:59-05:00", "summary": "a"}',
         "'9999-12-31T23:59:59-05:00' is not a date (key occurred_at)"),
        ('{"contact_id": 1, "occurred_at": "0001-01-01T00:00:00+05:00", "summary": "a"}',
         "'0001-01-01T00:00:00+05:00' is not a date (key occurred_at)"),
        ('{"contact_id": 1, "occurred_at": "2026-11-01", "summary": "a", "kind": ["call"]}',
         "an array where text was expected (key kind)"),
        ('{"contact_id": true, "occurred_at": "2026-11-01", "summary": "a"}',
         "no contact: give an email or a contact_id"),
        # (NUL and a lone surrogate are cleaned by the input rule: tests/test_hostile_text.py)
    ],
)  # fmt: skip
def test_values_at_the_edges(crm: Crm, query: Query, item: str, message: str) -> None:
    add_contacts(crm)
    assert crm("import", "interactions", "-", input=item) == (1, "", f"crm: stdin line 1: {message}\n")
    assert count(query) == 0


GOOD = '{"email": "ada@analytical.io", "occurred_at": "2026-11-01", "summary": "a"}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BAD_ARRAY[:150], "x.json line 3: the JSON stops in the middle of an item (is the file cut short?)"),
        (f"[{GOOD}\n", "x.json line 2: the JSON array is not closed with ] (is the file cut short?)"),
        (f"[{GOOD}, ]", "x.json line 1: not valid JSON (Expecting value)"),
        (f"[{GOOD}\n{GOOD}]", "x.json line 2: not valid JSON (expected , or ] after item 1)"),
        ("[]\n[]\n", "x.json line 2: text after the end of the JSON array"),
        (SCRIPTED + '{"email" "a@b.io"}\n', "x.json line 3: not valid JSON (Expecting ':' delimiter)"),
        (SCRIPTED + "not json\n", "x.json line 3: not valid JSON (Expecting value)"),
        ('{"interactions": [{"email": "a@b.io"}]}', 'x.json line 1: an object holding an array ("interactions")'),
        ('{"s": "\xff\n', "x.json line 1: the JSON stops in the middle of an item"),
    ],
)
@pytest.mark.parametrize("skip", [False, True])
def test_broken_json_is_one_line(crm: Crm, query: Query, tmp_path: Path, text: str, message: str, skip: bool) -> None:
    add_contacts(crm)
    code, out, err = crm("import", "interactions", write(tmp_path, "x.json", text), *(["--skip-invalid"] * skip))
    assert (code, out) == (1, "")
    assert err.startswith("crm: " + message) and err.count("\n") == 1, err
    assert count(query) == 0
    assert count(query, "import_batches") == 0


def test_not_utf8_names_the_line(crm: Crm, query: Query, tmp_path: Path) -> None:
    add_contacts(crm)
    item = '{"email": "ada@analytical.io", "occurred_at": "2026-11-01T10:00:00+00:00", "summary": "%s"}\n'
    path = tmp_path / "x.ndjson"
    path.write_bytes("".join(item % i for i in range(5000)).encode() + (item % "caf\xe9").encode("cp1252"))
    code, _, err = crm("import", "interactions", str(path))
    assert (code, err) == (1, "crm: x.ndjson line 5001: not valid utf-8 text (use --encoding to choose one)\n")
    assert count(query) == 0
    code, _, err = crm("import", "interactions", str(path), "--encoding", "cp1252")
    assert (code, summary(err)) == (0, "import N: 5,001 created, 0 updated, 0 unchanged, 0 skipped\n")
    assert query("SELECT count(*) FROM interactions WHERE summary = 'café'")[0][0] == 1


@pytest.mark.parametrize("chunk", [1, 2, 5, 16, 1000])
def test_items_stream_across_chunks(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Whatever the chunk size, the same values on the same lines, and the same errors."""
    monkeypatch.setattr(jsonread, "CHUNK", chunk)
    array = '[\n  {"a": 12345, "b": "x\\"y,]"},\n  67890,\n\n  true, {"c": [1, {"d": null}]}, -1.5e3\n]\n'
    items = JsonItems(io.BytesIO(array.encode()), name="a", encoding="utf-8")
    assert list(items) == [(2, 1, {"a": 12345, "b": 'x"y,]'}), (3, 2, 67890), (5, 3, True),
                           (5, 4, {"c": [1, {"d": None}]}), (5, 5, -1500.0)]  # fmt: skip
    assert items.array
    lines = '{"n": 1}\n\n{"n": 22}  \r\n{"n":\n 333}\n'
    assert list(JsonItems(io.BytesIO(lines.encode()), name="n", encoding="utf-8")) == [
        (1, 1, {"n": 1}), (3, 2, {"n": 22}), (4, 3, {"n": 333}),
    ]  # fmt: skip
    broken = '{"n": 1}\n{"n": 2 "m": 3}\n' + '{"n": 4}\n' * 50
    with pytest.raises(Exception, match=r"^b line 2: not valid JSON \(Expecting ',' delimiter\)$"):
        list(JsonItems(io.BytesIO(broken.encode()), name="b", encoding="utf-8"))
    with pytest.raises(Exception, match=r"^t line 2: the JSON stops in the middle of an item"):
        list(JsonItems(io.BytesIO(b'[{"n": 1},\n {"n": "tw'), name="t", encoding="utf-8"))


def test_sniff_format() -> None:
    def sniff(data: bytes) -> str:
        fmt, stream = sniff_format(io.BytesIO(data))
        assert stream.read() == data  # nothing lost to the sniffing
        return fmt

    assert sniff(b'  \n[{"a": 1}]') == "json"
    assert sniff(b"[]") == "json"
    assert sniff(b'{"a": 1}\n') == "ndjson"
    assert sniff(b'\xef\xbb\xbf{"a": 1}\n') == "ndjson"
    assert sniff('[{"a": 1}]'.encode("utf-16")) == "json"
    assert sniff(b"email,occurred_at,summary\n") == "csv"
    assert sniff(b"[Email],[When],[Summary]\n") == "csv"  # a CSV header in brackets
    assert sniff(b"") == "csv"


KEYS = ["email", "contact_id", "contact", "occurred_at", "when", "kind", "type", "direction", "summary", "subject",
        "body", "author", "id", "created_at", "data"]  # fmt: skip
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 5), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet="abé@.:+-#x 019\n\"\\", max_size=12),
    st.sampled_from(["ada@analytical.io", "2026-11-01T10:00:00+01:00", "2026-11-01", "call", "in", "Outbound", "#1",
                     "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "#99999999999999999999"]),
)  # fmt: skip
JSON = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=8)),
    max_leaves=12,
)


# Items close to interactions: mostly valid values, so that random ones reach every check and the service.
DATES = ["2026-11-01T10:00:00+01:00", "2026-11-01", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]
NEAR = st.fixed_dictionaries(
    {
        "contact_id": st.one_of(st.sampled_from([1, "#1", "99999999999999999999"]), SCALAR),
        "occurred_at": st.one_of(st.sampled_from(DATES), SCALAR),
        "summary": st.one_of(st.just("Hi"), SCALAR),
    },
    optional={"kind": st.sampled_from(["call", "Note", "fax"]), "direction": SCALAR, "body": JSON, "author": SCALAR},
)


@st.composite
def json_texts(draw: st.DrawFn) -> bytes:
    item = st.one_of(NEAR, st.dictionaries(st.sampled_from(KEYS), JSON, max_size=9), JSON)
    items = draw(st.lists(item, max_size=5))
    if draw(st.booleans()):
        text = json.dumps(items, indent=draw(st.sampled_from([None, 2])))
    else:
        text = "".join(json.dumps(i) + "\n" for i in items)
    cut = draw(st.integers(0, len(text)))
    text = text[:cut] if draw(st.booleans()) else text
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@pytest.fixture
def known_contacts(crm: Crm) -> None:
    """Contact #1 and ada@analytical.io, for the rows that name them (once per test, not per example)."""
    add_contacts(crm)


@settings(EXAMPLES, max_examples=examples(120))
@given(data=json_texts(), chunk=st.sampled_from([1, 3, 1000]), options=st.data())
def test_random_json_keeps_the_contract(
    crm: Crm, engine: Engine, known_contacts: None, data: bytes, chunk: int, options: st.DataObject
) -> None:
    """Exit 0, or exit 1 with one `crm: ` line and the database untouched; whatever the chunk size."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonread, "CHUNK", chunk)
        check_import_contract(crm, engine, ["import", "interactions", "-", *flags(options.draw)], data)


@pytest.mark.parametrize("shape", ["array", "ndjson value"])
def test_json_nested_too_deeply_is_one_line(crm: Crm, query: Query, tmp_path: Path, shape: str) -> None:
    deep = "[" * 1001 + "]" * 1001  # the decoder recurses once a level
    text = deep if shape == "array" else '{"body": ' + deep + "}\n"
    code, out, err = crm("import", "interactions", write(tmp_path, "x.json", text))
    assert (code, out, err) == (1, "", "crm: x.json line 1: not valid JSON (nested too deeply)\n")
    assert count(query, "import_batches") == 0


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
def test_a_feedback_s_score_goes_out_and_comes_back(crm: Crm, fresh_db: FreshDb, tmp_path: Path, fmt: str) -> None:
    """No machine format of interactions carried a feedback's score, and the import read none: the NPS
    figures were lost in a round trip."""
    add_contacts(crm)
    for args in (("--score", "9"), ("--rating", "4")):
        logged = crm("log", "ada@analytical.io", "feedback", f"Survey {args[1]}", "--at", "2026-11-01 10:00", *args)
        assert logged[0] == 0
    assert crm("log", "ada@analytical.io", "call", "Plain call", "--at", "2026-11-02 10:00")[0] == 0
    listed = json.loads(crm("interaction", "list", "-f", "json")[1])
    assert sorted((i["score"], i["scale"]) for i in listed if i["score"]) == [(4, 5), (9, 10)]
    out = crm("export", "interactions", "--format", fmt)[1]
    path = write(tmp_path, f"timeline.{fmt}", out)
    fresh_db(f"scores-{fmt}.db")
    add_contacts(crm)
    assert crm("import", "interactions", path)[0] == 0
    again = crm("export", "interactions", "--format", fmt)[1]
    if fmt == "csv":
        rows = [
            [{k: v for k, v in r.items() if k != "created_at"} for r in csv.DictReader(io.StringIO(text))]
            for text in (again, out)
        ]
        assert rows[0] == rows[1] and [r["score"] for r in rows[0]] == ["9", "4", ""]
    else:
        assert without_created_at(again) == without_created_at(out)


def test_a_score_that_cannot_be_one_names_its_row(crm: Crm, query: Query, tmp_path: Path) -> None:
    add_contacts(crm)
    head = "email,occurred_at,kind,summary,score,scale\n"
    for row, message in (
        ("ada@analytical.io,2026-11-01,call,Hi,9,", "line 2: only a feedback carries a score, not a call"),
        ("ada@analytical.io,2026-11-01,feedback,Hi,11,", "line 2: '11' is not a score from 0 to 10 (column score)"),
        ("ada@analytical.io,2026-11-01,feedback,Hi,0,5", "line 2: '0' is not a score from 1 to 5 (column score)"),
        ("ada@analytical.io,2026-11-01,feedback,Hi,3,7", "line 2: '7' is not a scale (10: a score 0-10, 5: a rating"),
    ):
        code, _, err = crm("import", "interactions", write(tmp_path, "bad.csv", head + row + "\n"))
        assert code == 1 and err.startswith(f"crm: bad.csv {message}"), err
    assert count(query) == 0
