"""Money: pipelines and stages, deals, payments, client value, tiers, the forecast and rotting deals.

Reads take a Core `Connection` and return dataclasses; changes take an ORM `Session` and
record every change in the history (`services.history.record`). Amounts are integers in
minor units beside their currency, and every total is per currency.
"""
