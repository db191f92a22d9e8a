"""Imports: contacts and interactions written in bulk as one batch each, listed and reverted.

`contacts` matches and merges contact records, `interactions` adds timeline rows,
`state` is a contact as an import sees it, `summary` the counts and the batch row,
`batches` lists and reverts them. All write through `crm_tui.backend.bulk.BulkWriter`.
"""
