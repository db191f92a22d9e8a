"""Contacts, by role: `finding` (a REF to a contact), `writing` (create, edit), `lifecycle`
(trash, restore, purge, merge) and `rows` (lists, counts and the 360° view, read on a
Core connection).
"""
