"""The fixed vocabularies the tables store as text, importable without building any table class."""

from __future__ import annotations

INTERACTION_KINDS = ("call", "email", "meeting", "message", "note", "feedback")
SCALES = {10: (0, 10), 5: (1, 5)}  # feedback scales: 10 is the NPS score 0-10, 5 a rating 1-5
DIRECTIONS = ("in", "out")
