"""The whole person: dates, addresses, web addresses, relationships, custom field definitions,
nickname and department, the vCard properties kept verbatim, and what `crm sync vdir` last saw.

Moves what older versions kept elsewhere: `contacts.birthday` becomes a `birthday` date (the
column goes); the custom values that imports made of Google, Outlook and Thunderbird address,
web page, nickname, department and anniversary columns (and of vCard ADR, URL and NICKNAME)
become addresses, web addresses and fields. The search document gains the nickname, the
department and the custom values (the triggers of both databases change).

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
import re
from datetime import date

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# ---------------------------------------------------------------- search, as of this revision


def _sqlite_doc(contact_id: str) -> str:
    return f"""
    DELETE FROM search_index WHERE rowid = -({contact_id});
    INSERT INTO search_index(rowid, contact_id, name, emails, org, tags, notes, summary, body)
    SELECT -c.id, c.id,
           c.display_name
             || CASE WHEN instr(c.display_name, coalesce(c.given_name, '')) > 0 THEN '' ELSE ' ' || c.given_name END
             || CASE WHEN instr(c.display_name, coalesce(c.family_name, '')) > 0 THEN '' ELSE ' ' || c.family_name END
             || coalesce(' ' || c.nickname, ''),
           coalesce((SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id), ''),
           coalesce((SELECT o.name FROM organizations o WHERE o.id = c.organization_id), '')
             || ' ' || coalesce(c.title, '') || coalesce(' ' || c.department, ''),
           coalesce((SELECT group_concat(t.name, ' ') FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.contact_id = c.id), ''),
           coalesce(c.notes, '')
             || coalesce(' ' || (SELECT group_concat(j.value, ' ') FROM json_each(c.custom) j), ''), '', ''
    FROM contacts c WHERE c.id = ({contact_id}) AND c.deleted_at IS NULL;
    """


def _sqlite_search(*, new: bool) -> list[str]:
    doc = _sqlite_doc if new else _old_sqlite_doc
    columns = (
        "display_name, given_name, family_name, nickname, organization_id, title, department, notes, custom, deleted_at"
        if new
        else "display_name, given_name, family_name, organization_id, title, notes, deleted_at"
    )
    return [
        *(f'DROP TRIGGER IF EXISTS "{name}"' for name in _DOC_TRIGGERS),
        f"CREATE TRIGGER contacts_ai AFTER INSERT ON contacts BEGIN {doc('NEW.id')} END",
        f"CREATE TRIGGER contacts_au AFTER UPDATE OF {columns} ON contacts BEGIN {doc('NEW.id')} END",
        f"CREATE TRIGGER contact_emails_ai AFTER INSERT ON contact_emails BEGIN {doc('NEW.contact_id')} END",
        f"""CREATE TRIGGER contact_emails_au AFTER UPDATE ON contact_emails BEGIN
            {doc("OLD.contact_id")} {doc("NEW.contact_id")} END""",
        f"CREATE TRIGGER contact_emails_ad AFTER DELETE ON contact_emails BEGIN {doc('OLD.contact_id')} END",
        f"CREATE TRIGGER contact_tags_ai AFTER INSERT ON contact_tags BEGIN {doc('NEW.contact_id')} END",
        f"CREATE TRIGGER contact_tags_ad AFTER DELETE ON contact_tags BEGIN {doc('OLD.contact_id')} END",
    ]


_DOC_TRIGGERS = (
    "contacts_ai", "contacts_au", "contact_emails_ai", "contact_emails_au", "contact_emails_ad", "contact_tags_ai",
    "contact_tags_ad",
)  # fmt: skip


def _old_sqlite_doc(contact_id: str) -> str:
    return f"""
    DELETE FROM search_index WHERE rowid = -({contact_id});
    INSERT INTO search_index(rowid, contact_id, name, emails, org, tags, notes, summary, body)
    SELECT -c.id, c.id,
           c.display_name
             || CASE WHEN instr(c.display_name, coalesce(c.given_name, '')) > 0 THEN '' ELSE ' ' || c.given_name END
             || CASE WHEN instr(c.display_name, coalesce(c.family_name, '')) > 0 THEN '' ELSE ' ' || c.family_name END,
           coalesce((SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id), ''),
           coalesce((SELECT o.name FROM organizations o WHERE o.id = c.organization_id), '')
             || ' ' || coalesce(c.title, ''),
           coalesce((SELECT group_concat(t.name, ' ') FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.contact_id = c.id), ''),
           coalesce(c.notes, ''), '', ''
    FROM contacts c WHERE c.id = ({contact_id}) AND c.deleted_at IS NULL;
    """


_PG_NAME = "coalesce(c.display_name, '') || ' ' || coalesce(c.given_name, '') || ' ' || coalesce(c.family_name, '')"
_PG_EMAILS = (
    "coalesce((SELECT string_agg(e.email || ' ' || translate(e.email, '@._-+', '     '), ' ')"
    " FROM contact_emails e WHERE e.contact_id = c.id), '')"
)
_PG_ORG = (
    "coalesce((SELECT o.name FROM organizations o WHERE o.id = c.organization_id), '') || ' ' || coalesce(c.title, '')"
)
_PG_TAGS = (
    "coalesce((SELECT string_agg(t.name, ' ') FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
    " WHERE ct.contact_id = c.id), '')"
)
_PG_CUSTOM = "coalesce((SELECT string_agg(j.value, ' ') FROM json_each_text(c.custom::json) j), '')"


def _pg_doc_function(*, new: bool) -> str:
    # The weights of revision 0010 (names alone in A), which this revision follows.
    name = f"{_PG_NAME} || ' ' || coalesce(c.nickname, '')" if new else _PG_NAME
    org = f"{_PG_ORG} || ' ' || coalesce(c.department, '')" if new else _PG_ORG
    notes = f"coalesce(c.notes, '') || ' ' || {_PG_CUSTOM}" if new else "coalesce(c.notes, '')"
    return f"""
    CREATE OR REPLACE FUNCTION crm_contact_doc(cid integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_index WHERE id = -cid;
        INSERT INTO search_index (id, contact_id, summary, document)
        SELECT -c.id, c.id, NULL,
               setweight(to_tsvector('simple', unaccent({name})), 'A')
               || setweight(to_tsvector('simple', unaccent({_PG_EMAILS})), 'B')
               || setweight(to_tsvector('simple', unaccent({org})), 'C')
               || setweight(to_tsvector('simple', unaccent({_PG_TAGS})), 'C')
               || setweight(to_tsvector('simple', unaccent({notes})), 'D')
        FROM contacts c WHERE c.id = cid AND c.deleted_at IS NULL;
    END $$
    """


def _pg_search(*, new: bool) -> list[str]:
    columns = (
        "display_name, given_name, family_name, nickname, organization_id, title, department, notes, custom, deleted_at"
        if new
        else "display_name, given_name, family_name, organization_id, title, notes, deleted_at"
    )
    return [
        _pg_doc_function(new=new),
        "DROP TRIGGER IF EXISTS contacts_search ON contacts",
        f"""CREATE TRIGGER contacts_search AFTER INSERT OR DELETE OR UPDATE OF {columns}
            ON contacts FOR EACH ROW EXECUTE FUNCTION crm_contacts_search()""",
    ]


# ---------------------------------------------------------------- moving values, as of this revision

# Custom fields that older imports made of address columns: (prefix of the key, label, part) per tool.
_PART_WORDS = {
    "street": "street", "street 2": "extended", "street 3": "extended", "address": "street",
    "address 2": "extended", "city": "locality", "state": "region", "postal code": "postcode",
    "zipcode": "postcode", "country/region": "country", "country": "country", "address po box": "po_box",
    "po box": "po_box", "region": "region", "extended address": "extended", "formatted": "formatted",
}  # fmt: skip
_GOOGLE_ADDRESS = re.compile(
    r"^Address (\d+) - (Type|Formatted|Street|City|PO Box|Region|Postal Code|Country|Extended Address)$"
)
_PREFIXED = re.compile(
    r"^(Business|Home|Other|Work) (Street 2|Street 3|Street|City|State|Postal Code|Country/Region|Address PO Box"
    r"|Address 2|Address|ZipCode|Country)$"
)
_URL_KEYS = {"URL": None, "Web Page": "work", "Personal Web Page": "home", "Web Page 1": "work", "Web Page 2": "home"}
_GOOGLE_WEBSITE = re.compile(r"^Website (\d+) - (Type|Value)$")
_NICKNAME_KEYS = ("NICKNAME", "Nickname")
_DEPARTMENT_KEYS = ("Department", "Organization Department", "Organization 1 - Department")
_PARTS = ("po_box", "extended", "street", "locality", "region", "postcode", "country")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$|^--(\d{2})-(\d{2})$")


def _url_key(url: str) -> str:
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", url.strip(), flags=re.IGNORECASE)
    host, sep, rest = text.partition("/")
    return (host.lower().removeprefix("www.") + sep + rest).rstrip("/")


def _address_key(parts: dict[str, str | None]) -> str:
    return "|".join(" ".join((parts.get(p) or "").casefold().split()) for p in _PARTS)


def _date_row(value: str) -> tuple[int, int | None] | None:
    m = _ISO.match(value.strip())
    if not m:
        return None
    try:
        if m[1]:
            date(int(m[1]), int(m[2]), int(m[3]))
            return int(m[2]) * 100 + int(m[3]), int(m[1])
        date(2000, int(m[4]), int(m[5]))
        return int(m[4]) * 100 + int(m[5]), None
    except ValueError:
        return None


def _split(
    custom: dict[str, str],
) -> tuple[dict[str, str], list[dict[str, str | None]], list[tuple[str, str | None]], dict[str, str]]:
    """(custom left, addresses, urls, {nickname, department, anniversary}) of one contact's custom values."""
    left: dict[str, str] = {}
    groups: dict[str, dict[str, str | None]] = {}
    urls: list[tuple[str, str | None]] = []
    sites: dict[str, dict[str, str]] = {}
    fields: dict[str, str] = {}
    for key, value in custom.items():
        if not isinstance(value, str) or not value.strip():
            left[key] = value
            continue
        m = _GOOGLE_ADDRESS.match(key)
        if m:
            part = "label" if m[2] == "Type" else _PART_WORDS[m[2].lower()]
            groups.setdefault(f"google{m[1]}", {})[part] = value.strip()
            continue
        m = _PREFIXED.match(key)
        if m:
            label = "work" if m[1] in ("Business", "Work") else m[1].lower()
            group = groups.setdefault(m[1], {"label": label})
            part = _PART_WORDS[m[2].lower()]
            group[part] = f"{group[part]}, {value.strip()}" if group.get(part) else value.strip()
            continue
        if key == "ADR":
            for one in value.split("; "):
                groups.setdefault(f"adr{len(groups)}", {})["street"] = one.strip()
            continue
        if key in _URL_KEYS:
            urls.extend((u.strip(), _URL_KEYS[key]) for u in value.split("; ") if u.strip())
            continue
        m = _GOOGLE_WEBSITE.match(key)
        if m:
            sites.setdefault(m[1], {})[m[2]] = value.strip()
            continue
        if key in _NICKNAME_KEYS and "nickname" not in fields:
            fields["nickname"] = value.split("; ")[0].strip()
            continue
        if key in _DEPARTMENT_KEYS and "department" not in fields:
            fields["department"] = value.strip()
            continue
        if key in ("Anniversary", "ANNIVERSARY") and _date_row(value) is not None:
            fields["anniversary"] = value.strip()
            continue
        left[key] = value
    for site in sites.values():
        for url in (site.get("Value") or "").split(" ::: "):
            if url.strip():
                label = (site.get("Type") or "").lstrip("* ").strip().lower() or None
                urls.append((url.strip(), label))
    addresses = []
    for group in groups.values():
        formatted = group.pop("formatted", None)
        if not any(group.get(p) for p in _PARTS) and formatted:
            group["street"] = formatted
        if any(group.get(p) for p in _PARTS):
            addresses.append(group)
    return left, addresses, urls, fields


def _move_values(conn: sa.Connection) -> None:
    birthdays = conn.execute(sa.text("SELECT id, birthday, custom FROM contacts WHERE birthday IS NOT NULL")).all()
    for cid, birthday, custom in birthdays:
        row = _date_row(birthday)
        if row is None:  # not a date this version can read: kept, as a custom value
            values = json.loads(custom) if custom else {}
            values.setdefault("birthday", birthday)
            conn.execute(
                sa.text("UPDATE contacts SET custom = :c WHERE id = :id"),
                {"c": json.dumps(values, ensure_ascii=False, sort_keys=True), "id": cid},
            )
            continue
        conn.execute(
            sa.text(
                "INSERT INTO contact_dates (contact_id, label, label_key, value, month_day, year)"
                " VALUES (:cid, 'birthday', 'birthday', :value, :md, :year)"
            ),
            {"cid": cid, "value": birthday.strip(), "md": row[0], "year": row[1]},
        )
    rows = conn.execute(sa.text("SELECT id, custom FROM contacts WHERE custom IS NOT NULL")).all()
    for cid, custom in rows:
        try:
            values = json.loads(custom)
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        left, addresses, urls, fields = _split(values)
        if left == values:
            continue
        for address in addresses:
            params = {p: address.get(p) for p in _PARTS}
            locality = params["locality"]
            conn.execute(
                sa.text(
                    "INSERT INTO contact_addresses (contact_id, label, po_box, extended, street, locality, region,"
                    " postcode, country, city_key, address_key) VALUES (:cid, :label, :po_box, :extended, :street,"
                    " :locality, :region, :postcode, :country, :city_key, :address_key)"
                ),
                {
                    "cid": cid,
                    "label": address.get("label"),
                    **params,
                    "city_key": " ".join(locality.casefold().split()) if locality else None,
                    "address_key": _address_key(params),
                },
            )
        seen: set[str] = set()
        for url, label in urls:
            key = _url_key(url)
            if key and key not in seen:
                seen.add(key)
                conn.execute(
                    sa.text("INSERT INTO contact_urls (contact_id, url, url_key, label) VALUES (:cid, :u, :k, :l)"),
                    {"cid": cid, "u": url, "k": key, "l": label},
                )
        if "anniversary" in fields:
            md, year = _date_row(fields["anniversary"]) or (0, None)
            conn.execute(
                sa.text(
                    "INSERT INTO contact_dates (contact_id, label, label_key, value, month_day, year)"
                    " VALUES (:cid, 'anniversary', 'anniversary', :value, :md, :year)"
                ),
                {"cid": cid, "value": fields["anniversary"], "md": md, "year": year},
            )
        conn.execute(
            sa.text(
                "UPDATE contacts SET custom = :c, nickname = coalesce(nickname, :n),"
                " department = coalesce(department, :d), updated_at = updated_at WHERE id = :id"
            ),
            {
                "c": json.dumps(left, ensure_ascii=False, sort_keys=True) if left else None,
                "n": fields.get("nickname"),
                "d": fields.get("department"),
                "id": cid,
            },
        )


# ---------------------------------------------------------------- the steps


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("contacts", sa.Column("nickname", sa.String(), nullable=True))
    op.add_column("contacts", sa.Column("department", sa.String(), nullable=True))
    op.create_table(
        "contact_dates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("label_key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("month_day", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.UniqueConstraint("contact_id", "label_key", name="uq_contact_dates_label"),
    )
    op.create_index("ix_contact_dates_day", "contact_dates", ["month_day"])
    op.create_table(
        "date_notices",
        sa.Column("label_key", sa.String(), primary_key=True),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
    )
    op.create_table(
        "contact_addresses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
        *(sa.Column(p, sa.String(), nullable=True) for p in _PARTS),
        sa.Column("city_key", sa.String(), nullable=True),
        sa.Column("address_key", sa.String(), nullable=False),
    )
    op.create_index("ix_contact_addresses_contact", "contact_addresses", ["contact_id"])
    op.create_index("ix_contact_addresses_city", "contact_addresses", ["city_key"])
    op.create_table(
        "contact_urls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("url_key", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
    )
    op.create_index("ix_contact_urls_contact", "contact_urls", ["contact_id"])
    op.create_index("ix_contact_urls_key", "contact_urls", ["url_key"])
    op.create_table(
        "contact_relations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("other_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("inverse", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("contact_id", "other_id", "kind", name="uq_contact_relations"),
    )
    op.create_index("ix_contact_relations_other", "contact_relations", ["other_id"])
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "contact_card_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
    )
    op.create_index("ix_contact_card_lines_contact", "contact_card_lines", ["contact_id"])
    op.create_table(
        "vdir_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("directory", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("file_hash", sa.String(), nullable=False),
        sa.Column("contact_updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("directory", "file_name", name="uq_vdir_entries_file"),
    )
    # The new search document first, so the values moved below are indexed by the triggers.
    for statement in _sqlite_search(new=True) if dialect == "sqlite" else _pg_search(new=True):
        op.execute(statement)
    _move_values(op.get_bind())
    op.execute("ALTER TABLE contacts DROP COLUMN birthday")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("contacts", sa.Column("birthday", sa.String(), nullable=True))
    op.execute(
        "UPDATE contacts SET birthday = (SELECT d.value FROM contact_dates d"
        " WHERE d.contact_id = contacts.id AND d.label_key = 'birthday')"
    )
    for statement in _sqlite_search(new=False) if dialect == "sqlite" else _pg_search(new=False):
        op.execute(statement)
    for name in ("vdir_entries", "contact_card_lines", "custom_fields", "contact_relations", "contact_urls", "contact_addresses",
                 "date_notices", "contact_dates"):  # fmt: skip
        op.drop_table(name)
    op.execute("ALTER TABLE contacts DROP COLUMN department")
    op.execute("ALTER TABLE contacts DROP COLUMN nickname")
