"""The tables as light Core clauses, for reads and Core writes that must start fast.

Building the SQLModel classes (pydantic models and ORM mappers) costs more than a cold
`crm due` or `crm search` spends on its query, so the read services and the cold write
paths (`crm log`) query these clauses on a Core connection instead. The SQLModel classes
in this package stay the definition of the schema; `tests/test_layers.py` checks that
every clause here names exactly the columns of its table, with matching types.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Date, Integer, Text, column, table

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
    column("birthday", Text),
    column("uid", Text),
    column("import_batch_id", Integer),
    column("last_contact_at", UTCDateTime),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
    column("deleted_at", UTCDateTime),
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

tags = table("tags", column("id", Integer), column("name", Text), column("name_key", Text))

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

settings = table(
    "settings",
    column("id", Integer),
    column("key", Text),
    column("value", Text),
    column("updated_by", Text),
    column("updated_at", UTCDateTime),
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
