"""Readers and writers over streams: CSV presets, vCard, iCalendar, JSON.

They turn bytes into plain records and records into bytes; the rules (matching,
batches, revert) live in crm_tui.services; the records both sides share are in crm_tui.records.
"""
