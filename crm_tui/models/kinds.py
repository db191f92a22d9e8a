"""The fixed vocabularies the tables store as text, importable without building any table class."""

from __future__ import annotations

INTERACTION_KINDS = ("call", "email", "meeting", "message", "note")
DIRECTIONS = ("in", "out")
