"""The whole person, by role: `profile` (a contact's dates, addresses, web addresses, relationships and
custom fields, read on a Core connection), `editing` (changes to them, with history), `relations`
(links between contacts), `fields` (typed custom field definitions and the SQL conditions the segments
language uses), `upcoming` (the dates section of `crm due` and Today)."""
