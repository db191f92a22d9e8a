"""The tables as light Core clauses, for reads and Core writes that must start fast.

Building the SQLModel classes (pydantic models and ORM mappers) costs more than a cold
`crm due` or `crm search` spends on its query, so the read services and the cold write
paths (`crm log`) query these clauses on a Core connection instead. The SQLModel classes
in this package stay the definition of the schema; `tests/test_layers.py` checks that
every clause here names exactly the columns of its table, with matching types.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Date, Float, Integer, Text, column, table

from crm_tui.models.types import UTCDateTime

contacts = table(
    "contacts",
    column("id", Integer),
    column("display_name", Text),
    column("sort_name", Text),
    column("given_name", Text),
    column("family_name", Text),
    column("organization_id", Integer),
    column("title", Text),
    column("notes", Text),
    column("source", Text),
    column("owner", Text),
    column("cadence_days", Integer),
    column("custom", Text),
    column("nickname", Text),
    column("department", Text),
    column("uid", Text),
    column("import_batch_id", Integer),
    column("last_contact_at", UTCDateTime),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
    column("deleted_at", UTCDateTime),
    column("touch_snoozed_until", UTCDateTime),
)

contact_emails = table(
    "contact_emails",
    column("id", Integer),
    column("contact_id", Integer),
    column("email", Text),
    column("email_key", Text),
    column("label", Text),
    column("is_primary", Boolean),
)

contact_phones = table(
    "contact_phones",
    column("id", Integer),
    column("contact_id", Integer),
    column("phone", Text),
    column("phone_key", Text),
    column("label", Text),
    column("is_primary", Boolean),
)

organizations = table(
    "organizations",
    column("id", Integer),
    column("name", Text),
    column("name_key", Text),
    column("domain", Text),
    column("notes", Text),
    column("created_at", UTCDateTime),
    column("owner", Text),
)

tags = table(
    "tags", column("id", Integer), column("name", Text), column("name_key", Text), column("cadence_days", Integer)
)

contact_tags = table("contact_tags", column("contact_id", Integer), column("tag_id", Integer))

interactions = table(
    "interactions",
    column("id", Integer),
    column("contact_id", Integer),
    column("kind", Text),
    column("direction", Text),
    column("occurred_at", UTCDateTime),
    column("summary", Text),
    column("body", Text),
    column("author", Text),
    column("created_at", UTCDateTime),
    column("import_batch_id", Integer),
    column("score", Integer),
    column("scale", Integer),
    column("deleted_at", UTCDateTime),
    column("external_id", Text),
)

reminders = table(
    "reminders",
    column("id", Integer),
    column("contact_id", Integer),
    column("title", Text),
    column("due_at", UTCDateTime),
    column("rule", Text),
    column("rule_after_completion", Boolean),
    column("rule_anchor", Text),
    column("tz", Text),
    column("snoozed_until", UTCDateTime),
    column("done_at", UTCDateTime),
    column("owner", Text),
    column("created_by", Text),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
    column("external_id", Text),
    column("import_batch_id", Integer),
)

changes = table(
    "changes",
    column("id", Integer),
    column("entity", Text),
    column("entity_id", Integer),
    column("contact_id", Integer),
    column("action", Text),
    column("field", Text),
    column("old_value", Text),
    column("new_value", Text),
    column("actor", Text),
    column("at", UTCDateTime),
)

saved_views = table(
    "saved_views",
    column("id", Integer),
    column("name", Text),
    column("name_key", Text),
    column("query", Text),
    column("sort", Text),
    column("columns", Text),
    column("notify", Boolean),
    column("created_by", Text),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
)

view_members = table(
    "view_members", column("view_id", Integer), column("contact_id", Integer), column("joined_at", UTCDateTime)
)

rules = table(
    "rules",
    column("id", Integer),
    column("name", Text),
    column("name_key", Text),
    column("query", Text),
    column("remind", Text),
    column("due", Text),
    column("owner", Text),
    column("created_by", Text),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
)

rule_firings = table(
    "rule_firings",
    column("rule_id", Integer),
    column("contact_id", Integer),
    column("reminder_id", Integer),
    column("fired_at", UTCDateTime),
)

rhythms = table(
    "rhythms",
    column("contact_id", Integer),
    column("gaps", Integer),
    column("median_gap", Float),
    column("p80_gap", Float),
    column("max_gap", Float),
    column("last_day", Integer),
    column("atrisk_after", Float),
    column("lapsed_after", Float),
)

rhythm_dirty = table("rhythm_dirty", column("contact_id", Integer))
event_days = table(
    "event_days",
    column("contact_id", Integer),
    column("day", Integer),
    column("n", Integer),
    column("gap", Integer),
    column("gap_rank", Integer),
)
activity_days = table(
    "activity_days", column("day", Integer), column("kind", Text), column("author", Text), column("n", Integer)
)
touch_days = table("touch_days", column("day", Integer), column("prev", Integer), column("n", Integer))

contact_dates = table(
    "contact_dates",
    column("id", Integer),
    column("contact_id", Integer),
    column("label", Text),
    column("label_key", Text),
    column("value", Text),
    column("month_day", Integer),
    column("year", Integer),
)

date_notices = table("date_notices", column("label_key", Text), column("label", Text), column("days", Integer))

contact_addresses = table(
    "contact_addresses",
    column("id", Integer),
    column("contact_id", Integer),
    column("label", Text),
    column("po_box", Text),
    column("extended", Text),
    column("street", Text),
    column("locality", Text),
    column("region", Text),
    column("postcode", Text),
    column("country", Text),
    column("city_key", Text),
    column("address_key", Text),
)

contact_urls = table(
    "contact_urls",
    column("id", Integer),
    column("contact_id", Integer),
    column("url", Text),
    column("url_key", Text),
    column("label", Text),
)

contact_relations = table(
    "contact_relations",
    column("id", Integer),
    column("contact_id", Integer),
    column("other_id", Integer),
    column("kind", Text),
    column("inverse", Text),
    column("created_at", UTCDateTime),
)

custom_fields = table(
    "custom_fields",
    column("id", Integer),
    column("name", Text),
    column("name_key", Text),
    column("type", Text),
    column("choices", Text),
    column("created_at", UTCDateTime),
)

contact_card_lines = table(
    "contact_card_lines", column("id", Integer), column("contact_id", Integer), column("line", Text)
)

vdir_entries = table(
    "vdir_entries",
    column("id", Integer),
    column("directory", Text),
    column("file_name", Text),
    column("contact_id", Integer),
    column("file_hash", Text),
    column("contact_updated_at", UTCDateTime),
)

config = table(
    "config",
    column("id", Integer),
    column("key", Text),
    column("value", Text),
    column("updated_by", Text),
    column("updated_at", UTCDateTime),
)

journal = table(
    "journal",
    column("id", Integer),
    column("at", UTCDateTime),
    column("actor", Text),
    column("entity", Text),
    column("entity_id", Integer),
    column("contact_id", Integer),
    column("action", Text),
    column("summary", Text),
    column("detail", Text),
    column("undoable", Boolean),
    column("undo_of", Integer),
    column("undone_at", UTCDateTime),
    column("undone_by", Text),
)

journal_rows = table(
    "journal_rows",
    column("id", Integer),
    column("journal_id", Integer),
    column("table_name", Text),
    column("row_key", Text),
    column("contact_id", Integer),
    column("before", Text),
    column("after", Text),
)

dedup_dismissals = table(
    "dedup_dismissals",
    column("contact_id", Integer),
    column("other_id", Integer),
    column("dismissed_by", Text),
    column("dismissed_at", UTCDateTime),
)

forgotten = table(
    "forgotten",
    column("id", Integer),
    column("forgotten_at", UTCDateTime),
    column("forgotten_by", Text),
    column("counts", Text),
)

pipelines = table(
    "pipelines",
    column("id", Integer),
    column("name", Text),
    column("name_key", Text),
    column("position", Integer),
    column("rotten_days", Integer),
    column("created_at", UTCDateTime),
)

stages = table(
    "stages",
    column("id", Integer),
    column("pipeline_id", Integer),
    column("name", Text),
    column("name_key", Text),
    column("position", Integer),
    column("kind", Text),
    column("probability", Integer),
)

deals = table(
    "deals",
    column("id", Integer),
    column("title", Text),
    column("contact_id", Integer),
    column("organization_id", Integer),
    column("owner", Text),
    column("pipeline_id", Integer),
    column("stage_id", Integer),
    column("status", Text),
    column("amount", Integer),
    column("currency", Text),
    column("probability", Integer),
    column("expected_close", Date),
    column("next_step", Text),
    column("next_step_due", UTCDateTime),
    column("recurring_amount", Integer),
    column("recurring_interval", Text),
    column("source", Text),
    column("lost_reason", Text),
    column("won_at", UTCDateTime),
    column("lost_at", UTCDateTime),
    column("furthest_stage_id", Integer),
    column("stage_changed_at", UTCDateTime),
    column("external_id", Text),
    column("import_batch_id", Integer),
    column("created_by", Text),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
)

payments = table(
    "payments",
    column("id", Integer),
    column("contact_id", Integer),
    column("organization_id", Integer),
    column("deal_id", Integer),
    column("paid_on", Date),
    column("amount", Integer),
    column("currency", Text),
    column("note", Text),
    column("reference", Text),
    column("import_batch_id", Integer),
    column("created_by", Text),
    column("created_at", UTCDateTime),
)

money_state = table(
    "money_state",
    column("id", Integer),
    column("version", Integer),
    column("cache_version", Integer),
    column("cache_day", Text),
    column("cache_rule", Text),
)

client_values = table(
    "client_values",
    column("kind", Text),
    column("client_id", Integer),
    column("currency", Text),
    column("rev12", Integer),
    column("lifetime", Integer),
    column("payments", Integer),
    column("last_paid", Date),
    column("ranked_before", Integer),
    column("total", Integer),
    column("rank", Integer),
    column("clients", Integer),
    column("r", Integer),
    column("f", Integer),
    column("m", Integer),
    column("tier", Text),
)
