"""What the person feature adds to the segments language: `city:`, `custom.NAME` and `+BIRTHDAY`.

Loaded with the language's registry on every query, so it imports nothing heavy: each
builder imports the person services when a query uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_tui.errors import InvalidInput
from crm_tui.services.segments.fields import ORDER_OPS, Field, VirtualTag, register

if TYPE_CHECKING:
    from crm_tui.services.segments.context import CompileContext

BIRTHDAY_DAYS = 7  # +BIRTHDAY: from today through the 7th day after it, as +WEEK and the queue's notice


def _city(ctx: CompileContext, qualifier: str | None, op: str, cities: tuple[str, ...]) -> Any:
    from sqlalchemy import or_

    from crm_tui.services.person.fields import city_condition

    found = [city_condition(city) for city in cities]
    return or_(*found) if len(found) > 1 else found[0]


def _custom(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    """`custom.NAME OP VALUE`: by the field's type when it is defined, else as text (values imports brought)."""
    from sqlalchemy import or_

    from crm_tui.services.person.fields import check_value, custom_condition, field_named

    assert qualifier is not None  # the field requires one
    name = qualifier.lstrip('"')
    if op != ":" and len(values) > 1:
        raise InvalidInput(f"custom.{name} compares with one value, not {len(values)}")
    field = field_named(ctx.conn, name)
    if field is not None and field.type == "choice":
        for value in values:
            check_value(field, value)  # a choice that does not exist is a typo, not an empty result
    wanted = "=" if op == ":" else op
    found = [custom_condition(ctx.conn, name, wanted, value) for value in values]
    return or_(*found) if len(found) > 1 else found[0]


def _birthday(ctx: CompileContext) -> Any:
    from crm_tui.annual import BIRTHDAY
    from crm_tui.services.person.upcoming import contacts_with_date_within

    return contacts_with_date_within(ctx.today, BIRTHDAY_DAYS, label_key=BIRTHDAY)


for _entry in (
    Field("city", "text", "the city of one of its addresses (any case)", _city, example="city:Paris"),
    Field(
        "custom",
        "text",
        "a custom field's value (`custom.NAME`): by its type when defined (`crm field add`), else as text",
        _custom,
        qualifier="required",
        example="custom.industry:retail",
        operators=ORDER_OPS,
    ),
    VirtualTag(
        "BIRTHDAY",
        "has a birthday from today through the 7th day after today (your zone; 29 February on 28 February "
        "in other years)",
        _birthday,
    ),
):
    register(_entry)
