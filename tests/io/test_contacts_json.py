"""`crm import contacts` reads JSON arrays and NDJSON: the export's own and other tools' keys."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from tests.io.conftest import Crm, FreshDb, Query
from tests.io.test_export import populated  # noqa: F401  (a fixture)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def without_stamps(text: str) -> list[dict]:
    """Exported contacts without what the database sets: ids, updated_at, last contact (from interactions)."""
    items = json.loads(text) if text.lstrip().startswith("[") else [json.loads(x) for x in text.splitlines()]
    for item in items:
        del item["id"], item["updated_at"], item["last_contact_at"]
    return items


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_export_imports_back_the_same(
    crm: Crm,
    fresh_db: FreshDb,
    populated: None,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    crm("contact", "edit", "ada@analytical.io", "--every", "2w")
    first = tmp_path / f"first.{fmt}"
    assert crm("export", "contacts", "--format", fmt, "-o", str(first))[0] == 0
    csv_before = crm("export", "contacts")[1]
    fresh_db(f"second-{fmt}.db")
    code, _, err = crm("import", "contacts", str(first))
    assert code == 0 and "10 created, 0 updated, 0 unchanged, 0 skipped" in err, err
    code, second, _ = crm("export", "contacts", "--format", fmt)
    assert without_stamps(second) == without_stamps(first.read_text(encoding="utf-8"))
    assert crm("export", "contacts")[1] == csv_before
    # Custom fields, labels and the primary address came through.
    kj = next(c for c in without_stamps(second) if c["name"].startswith("Katherine"))
    assert kj["custom"]["Record ID"] == "51"
    assert crm("import", "contacts", str(first))[2].endswith("10 unchanged, 0 skipped; nothing changed\n")


def test_other_tools_keys_and_shapes(crm: Crm, query: Query, tmp_path: Path) -> None:
    items = [
        {
            "First Name": "Ada", "Last Name": "Lovelace", "Email": "ada@analytical.io", "Company": "Engines",
            "phones": [{"number": "+44 20 7946 0000", "type": "Work"}, "020 7946 0001"],
            "tags": "vip;math", "cadence_days": 14, "Favourite drink": "tea", "Shoe size": 38, "Retired": True,
        },
        {
            "name": "Grace Hopper", "emails": ["grace@navy.mil", {"address": "g@home.example", "primary": True}],
            "every": None, "cadence_days": 30,
        },
        {"name": "   ", "Company": ""},  # blank
    ]  # fmt: skip
    path = write(tmp_path, "people.json", json.dumps(items))
    code, _, err = crm("import", "contacts", path)
    assert code == 0 and "2 created, 0 updated, 0 unchanged, 1 skipped" in err, err
    ada = query(
        "SELECT c.given_name, c.family_name, o.name, c.cadence_days, c.custom FROM contacts c"
        " JOIN organizations o ON o.id = c.organization_id WHERE c.display_name = 'Ada Lovelace'"
    )[0]
    assert tuple(ada[:4]) == ("Ada", "Lovelace", "Engines", 14)
    assert json.loads(ada[4]) == {"Favourite drink": "tea", "Shoe size": "38", "Retired": "true"}
    phones = query("SELECT phone, label, is_primary FROM contact_phones ORDER BY id")
    assert [tuple(p) for p in phones] == [("+44 20 7946 0000", "work", 1), ("020 7946 0001", None, 0)]
    emails = query("SELECT email, is_primary FROM contact_emails WHERE contact_id = 2 ORDER BY id")
    assert [tuple(e) for e in emails] == [("g@home.example", 1), ("grace@navy.mil", 0)]
    assert query("SELECT cadence_days FROM contacts WHERE id = 2")[0][0] == 30
    # --map applies to keys as it does to columns.
    path = write(tmp_path, "mapped.ndjson", '{"Who": "Alan Turing", "Mail": "alan@b.example"}\n')
    code, _, err = crm("import", "contacts", path, "--map", "Who=name", "--map", "Mail=email")
    assert code == 0 and "1 created" in err, err


def test_bad_items_name_the_item_line_and_key(crm: Crm, query: Query, tmp_path: Path) -> None:
    array = '[\n  {"name": "Ada", "emails": ["ada@analytical.io"]},\n  {"name": "Bob", "emails": ["not-an-email"]}\n]'
    code, _, err = crm("import", "contacts", write(tmp_path, "a.json", array))
    assert (code, err) == (1, "crm: a.json item 2 (line 3): 'not-an-email' is not an email address (key emails)\n")
    cases = {
        '{"name": "Ada", "every": "sometimes"}\n': "b.ndjson line 1: ",
        '{"name": "Ada"}\n"just text"\n': "b.ndjson line 2: a string where an object was expected",
        '{"name": {"first": "Ada"}}\n': "b.ndjson line 1: an object where text was expected (key name)",
        '{"name": "Ada", "title": ["a", "b"]}\n': "an array where text was expected (key title)",
        '{"name": "Ada", "phones": [{"label": "work"}]}\n': "a phone object without a 'phone' key (key phones)",
        '{"contacts": [{"name": "Ada"}]}\n': 'an object holding an array ("contacts") where contacts were expected',
        '{"name": "Ada",\n': "b.ndjson line 2: the JSON stops in the middle of an item",
    }
    for text, message in cases.items():
        code, _, err = crm("import", "contacts", write(tmp_path, "b.ndjson", text))
        assert code == 1 and message in err and err.count("\n") == 1, (text, err)
    assert query("SELECT count(*) FROM contacts")[0][0] == 0  # nothing of any of them went in
    code, _, err = crm("import", "contacts", write(tmp_path, "c.json", "[]"), "--preset", "google")
    assert (code, err) == (1, "crm: c.json is JSON: --preset is for CSV files\n")


def test_skip_invalid_writes_rejects_as_a_csv_that_reads_back(crm: Crm, query: Query, tmp_path: Path) -> None:
    text = (
        '{"name": "Ada Lovelace", "emails": ["ada@analytical.io"]}\n'
        '{"name": "Bad Address", "emails": [{"email": "nope", "label": "work"}], "title": "CTO"}\n'
    )
    rejects = tmp_path / "rejects.csv"
    code, _, err = crm(
        "import", "contacts", write(tmp_path, "r.ndjson", text), "--skip-invalid", "--rejects", str(rejects)
    )
    assert code == 0 and "1 created" in err and "1 skipped" in err, err
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert len(rows) == 1
    assert (rows[0]["name"], rows[0]["emails"], rows[0]["title"]) == ("Bad Address", "work:nope", "CTO")
    assert "is not an email address (key emails)" in rows[0]["reason"]
    # Other tools' keys land in the layout's columns; a value that could not be read is kept as JSON.
    other = '{"name": "X", "email": "bad", "company": "Acme", "phone": "+1 555 0100"}\n{"name": {"x": 1}}\n'
    more = tmp_path / "more.csv"
    crm("import", "contacts", write(tmp_path, "o.ndjson", other), "--skip-invalid", "--rejects", str(more))
    rows = list(csv.DictReader(more.open(encoding="utf-8")))
    assert [(r["name"], r["emails"], r["phones"], r["organization"]) for r in rows] == [
        ("X", "bad", "+1 555 0100", "Acme"),
        ('{"x": 1}', "", "", ""),
    ]
    fixed = rejects.read_text(encoding="utf-8").replace("work:nope", "work:bad@x.example")
    rejects.write_text(fixed, encoding="utf-8")
    code, _, err = crm("import", "contacts", str(rejects))
    assert code == 0 and "1 created" in err, err


def test_an_empty_ndjson_export_imports_as_nothing(crm: Crm, tmp_path: Path) -> None:
    for what in ("contacts", "interactions"):
        path = tmp_path / f"{what}.ndjson"
        assert crm("export", what, "--format", "ndjson", "-o", str(path))[0] == 0
        assert path.read_bytes() == b""
        code, _, err = crm("import", what, str(path))
        assert code == 0 and re.search(r"0 created, 0 updated, 0 unchanged, 0 skipped; nothing changed", err), err
    # An empty file by any other name is still a broken CSV.
    code, _, err = crm("import", "contacts", write(tmp_path, "contacts.csv", ""))
    assert (code, err) == (1, "crm: contacts.csv: the file is empty\n")


def test_dry_run_of_json_writes_nothing(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io")
    text = '[{"name": "Ada Lovelace", "emails": ["ada@analytical.io"], "title": "Countess"}, {"name": "Alan"}]'
    code, out, err = crm("import", "contacts", write(tmp_path, "d.json", text), "--dry-run")
    assert code == 0, err
    assert "line 1: updated #1 Ada Lovelace: title: (none) -> 'Countess'" in out
    assert "line 1: created Alan" in out
    assert query("SELECT count(*) FROM contacts")[0][0] == 1


def test_json_values_are_taken_as_they_are(crm: Crm, fresh_db: FreshDb, query: Query, tmp_path: Path) -> None:
    # JSON is never formula-quoted: a leading ' is part of the value. A null given name
    # means "none", as the CSV's empty cell does: the display name is not split.
    crm("contact", "add", "'=SUM(A1)", "--email", "q@x.io", "--note", "'+1 call back", "--tag", "'@home")
    query("UPDATE contacts SET given_name = NULL, family_name = NULL")
    first = tmp_path / "q.json"
    crm("export", "contacts", "--format", "json", "-o", str(first))
    assert "0 created, 0 updated, 1 unchanged" in crm("import", "contacts", str(first))[2]
    fresh_db("fresh.db")
    assert "1 created" in crm("import", "contacts", str(first))[2]
    second = crm("export", "contacts", "--format", "json")[1]
    assert without_stamps(second) == without_stamps(first.read_text(encoding="utf-8"))
    row = query("SELECT display_name, given_name, family_name, notes FROM contacts")[0]
    assert tuple(row) == ("'=SUM(A1)", None, None, "'+1 call back")


def test_keys_nobody_knows_are_custom_fields_whatever_they_hold(crm: Crm, query: Query, tmp_path: Path) -> None:
    item = {"name": "M", "email": "m@x.io", "places": [{"city": "Paris"}], "custom": {"": "x", "n": 1}}
    path = write(tmp_path, "m.json", json.dumps([item]))
    assert "1 created" in crm("import", "contacts", path)[2]
    assert json.loads(query("SELECT custom FROM contacts")[0][0]) == {"places": '[{"city": "Paris"}]', "n": "1"}
    item = {"name": "N", "email": "n@x.io", "addresses": [{"city": "Paris"}]}
    path = write(tmp_path, "n.json", json.dumps([item]))
    assert "1 created" in crm("import", "contacts", path, "--map", "addresses=ignore")[2]
    assert query("SELECT custom FROM contacts WHERE display_name = 'N'")[0][0] is None


def test_numbers_json_does_not_have_are_one_line_errors(crm: Crm, tmp_path: Path) -> None:
    cases = {
        '{"name": "B", "phone": ' + "1" * 5000 + "}\n": "line 1: not valid JSON (a number too long to read)",
        '{"name": "N", "title": NaN}\n': "line 1: not valid JSON (NaN is not a JSON value)",
        '{"name": "I", "title": -Infinity}\n': "line 1: not valid JSON (-Infinity is not a JSON value)",
    }
    for text, message in cases.items():
        for what in ("contacts", "interactions"):
            code, _, err = crm("import", what, write(tmp_path, "n.ndjson", text))
            assert code == 1 and message in err and err.count("\n") == 1, err


def test_tags_in_an_array_are_kept_whole(crm: Crm, tmp_path: Path) -> None:
    """Each item of a `tags` array is one tag: `R&D; Lab` was split on its semicolon into two."""
    path = tmp_path / "tags.json"
    path.write_text(
        '[{"name": "Tag Test", "emails": ["tag@example.com"], "tags": ["R&D; Lab", " vip ", "", null]},'
        ' {"name": "Cell Tags", "emails": ["cell@example.com"], "tags": "a;b"}]',
        encoding="utf-8",
    )
    assert crm("import", "contacts", str(path))[0] == 0
    found = {c["name"]: c["tags"] for c in json.loads(crm("export", "contacts", "-f", "json")[1])}
    assert found == {"Tag Test": ["R&D; Lab", "vip"], "Cell Tags": ["a", "b"]}  # a text value splits as a CSV cell
