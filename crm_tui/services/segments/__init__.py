"""Segments and signals: the query language, saved views, cadences and rhythm, rules, feedback.

`parse_segment(text, now=..., tz=..., user=...)` reads a query (`tag:vip +STALE last:>30d`)
into a `Segment`; `segment.condition(conn, now=...)` is its WHERE clause over contacts. The
fields and virtual tags are the registry's (`fields.py`); the grammar is `query.lark`.
"""
