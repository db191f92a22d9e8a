"""The command palette: every action of every screen from any screen, in the CRM's words.

The registry test is the contract for a new screen: register it in `palette.PALETTE_SCREENS`,
name it, make it reachable, and describe its keys.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.command import CommandList, CommandPalette

import crm_tui.screens
from crm_tui.app import CrmApp
from crm_tui.screens import palette
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.pickers import ContactPickerModal
from crm_tui.screens.today import TodayScreen
from tests.app.conftest import run, settle, type_text

pytestmark = pytest.mark.backend_free("the palette's commands and how it matches words; the database fills the screens")

AppFactory = Callable[..., CrmApp]


def crm_screens() -> list[type[CrmScreen]]:
    """Every CrmScreen subclass the screens package defines."""
    found = []
    for info in pkgutil.iter_modules(crm_tui.screens.__path__):
        module = importlib.import_module(f"crm_tui.screens.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, CrmScreen) and cls is not CrmScreen and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_screen_is_in_the_palette_registry_with_a_name_a_way_there_and_described_keys() -> None:
    registered = palette.palette_screens()
    for cls in crm_screens():
        assert cls in registered, f"add {cls.__module__}:{cls.__name__} to palette.PALETTE_SCREENS"
    for cls in registered:
        assert cls.PALETTE_NAME, f"{cls.__name__} needs a PALETTE_NAME"
        own_reach = "palette_reach" in cls.__dict__
        assert cls.PALETTE_MODE or own_reach, f"{cls.__name__} needs a PALETTE_MODE or its own palette_reach"
        for binding in palette.bindings_of(cls):
            if binding.action in palette.NOT_COMMANDS:
                continue
            assert binding.tooltip, f"{cls.__name__}'s key {binding.key} needs a tooltip (the palette's help line)"
        actions = {b.action for b in palette.bindings_of(cls)}
        assert actions >= cls.PALETTE_HERE_ONLY, f"{cls.__name__}.PALETTE_HERE_ONLY names an action it does not have"


def titles(app: CrmApp) -> list[str]:
    return [entry.title for entry in palette.palette_entries(app, app.screen)]


def test_from_today_every_screen_s_actions_are_there_and_textual_s_own_are_not(
    sample_engine: Engine, app_factory: AppFactory
) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="today")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            listed = titles(app)
            for wanted in ("Contact: Merge", "Contacts: Sort", "Contacts: Search", "Contacts: Going cold"):
                assert wanted in listed
            assert any(t.startswith("Import contacts") for t in listed)
            assert any(t.startswith("Export contacts") for t in listed)
            assert "Trash: Empty trash" in listed and "Trash: Restore" not in listed  # restore needs a row there
            assert not any("Stale" in t for t in listed)
            # On the contacts list, its own Log comes once, not again as the contact screen's.
            await pilot.press("2")
            await settle(pilot)
            on_list = titles(app)
            assert "Contacts: Log" in on_list and "Contact: Log" not in on_list

    run(flow())


def palette_hits(app: CrmApp) -> list[str]:
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]


async def search_palette(pilot: Any, query: str) -> list[str]:
    app = pilot.app
    await pilot.press("ctrl+p")
    await settle(pilot)
    assert isinstance(app.screen, CommandPalette)
    await type_text(pilot, query)
    await pilot.pause(0.5)
    await settle(pilot)
    return palette_hits(app)


def test_the_palette_finds_cold_sort_merge_import_in_the_crm_s_words(
    sample_engine: Engine, app_factory: AppFactory
) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="today")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            hits = await search_palette(pilot, "cold")
            assert hits[0] == "Contacts: Going cold", hits
            assert not any(h in hits for h in ("Copy selected text", "Maximize", "Screenshot", "Focus Next"))
            await pilot.press("escape")
            for query, first in (("sort", "Contacts: Sort"), ("merge", "Contact: Merge"), ("import", "Import")):
                hits = await search_palette(pilot, query)
                assert hits and hits[0].startswith(first), (query, hits)
                await pilot.press("escape")
                await settle(pilot)

    run(flow())


def test_a_command_of_another_screen_runs_there(sample_engine: Engine, app_factory: AppFactory) -> None:
    """From Today, 'Contacts: Sort' goes to the list and sorts it; 'Contact: Merge' opens the
    highlighted row's contact and asks for the duplicate."""

    async def flow() -> None:
        app = app_factory(sample_engine, start="today")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            today = app.screen
            assert isinstance(today, TodayScreen)
            await search_palette(pilot, "contacts sort")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            assert app.screen.filters.sort == "last-contact"

            await pilot.press("1")
            await settle(pilot)
            assert app.screen is today
            wanted = today.contact_in_focus()
            assert wanted is not None
            await search_palette(pilot, "contact: merge")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ContactPickerModal)
            assert isinstance(app.screen_stack[-2], ContactScreen)
            assert app.screen_stack[-2].contact_id == wanted

    run(flow())
