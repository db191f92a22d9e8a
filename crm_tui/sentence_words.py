"""The vocabularies `crm_tui.sentence` reads a logged sentence with (English)."""

from __future__ import annotations

from typing import Final

#: Words that say which kind of interaction it was; the first one in the sentence wins.
KIND_WORDS: Final = {
    **dict.fromkeys(
        ("lunch", "lunched", "coffee", "coffees", "meeting", "meetings", "met", "meet", "dinner", "breakfast",
         "drinks", "beers", "zoom", "zoomed", "video", "visit", "visited", "demo", "workshop", "interview"),
        "meeting",
    ),
    **dict.fromkeys(
        ("call", "called", "calling", "calls", "phoned", "phone", "rang", "ring", "voicemail", "facetime",
         "facetimed"),
        "call",
    ),
    **dict.fromkeys(("emailed", "email", "e-mailed", "mailed", "mail", "emails"), "email"),
    **dict.fromkeys(
        ("texted", "text", "message", "messaged", "messages", "sms", "whatsapp", "whatsapped", "dm", "dmed",
         "dm'd", "slack", "slacked", "pinged", "imessage", "telegram", "signal"),
        "message",
    ),
}  # fmt: skip

#: Kind words that are verbs: the contact before one of them reached out (`Ana called`).
KIND_VERBS: Final = frozenset(
    ("called", "phoned", "rang", "emailed", "e-mailed", "mailed", "texted", "messaged", "whatsapped", "dmed",
     "dm'd", "slacked", "pinged", "facetimed", "wrote")
)  # fmt: skip

#: Words after which a name is most likely (`lunch with Ana`, `emailed Bob`).
NAME_CUES: Final = frozenset(
    ("with", "to", "from", "for", "called", "call", "emailed", "email", "texted", "text", "messaged", "message",
     "met", "meet", "phoned", "rang", "pinged", "saw", "visited", "mailed", "dmed", "slacked", "whatsapped")
)  # fmt: skip

#: A cue word right before the contact that leaves the summary with it (`lunch with Ana` -> `Lunch`).
CONTACT_PREPOSITIONS: Final = frozenset(("with", "to", "from", "for"))

#: Lowercase words that never name anyone (a capitalized one still may: `called Will`).
STOPWORDS: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "with",
        "to",
        "from",
        "for",
        "about",
        "re",
        "regarding",
        "on",
        "in",
        "at",
        "by",
        "of",
        "off",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "them",
        "him",
        "me",
        "us",
        "we",
        "i",
        "i'm",
        "i've",
        "i'll",
        "we'll",
        "you",
        "he",
        "she",
        "they",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "is",
        "was",
        "were",
        "be",
        "been",
        "are",
        "am",
        "will",
        "would",
        "should",
        "could",
        "can",
        "may",
        "might",
        "must",
        "need",
        "needs",
        "want",
        "wants",
        "wanted",
        "new",
        "some",
        "any",
        "all",
        "no",
        "not",
        "yes",
        "just",
        "also",
        "then",
        "so",
        "up",
        "out",
        "over",
        "after",
        "before",
        "again",
        "still",
        "very",
        "really",
        "quick",
        "quickly",
        "long",
        "short",
        "good",
        "great",
        "nice",
        "next",
        "last",
        "first",
        "second",
        "got",
        "get",
        "gets",
        "sent",
        "send",
        "sending",
        "asked",
        "ask",
        "told",
        "tell",
        "said",
        "say",
        "talked",
        "talk",
        "spoke",
        "discussed",
        "discuss",
        "went",
        "go",
        "had",
        "has",
        "have",
        "did",
        "do",
        "does",
        "done",
        "more",
        "less",
        "much",
        "many",
        "few",
        "lot",
        "lots",
        "there",
        "here",
        "who",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "please",
        "thanks",
        "thank",
        "via",
        "per",
        "into",
        "onto",
        "than",
        "as",
        "if",
        "too",
        "own",
        "same",
        "other",
    ]
)

#: The words that start a follow-up clause, as word sequences.
FOLLOW_UP_CUES: Final = (
    ("follow", "up"),
    ("follow-up",),
    ("followup",),
    ("f/u",),
    ("remind", "me"),
    ("remind", "us"),
    ("reminder",),
    ("check", "back"),
    ("check", "in"),
    ("circle", "back"),
)

#: Before a follow-up cue, these make it a noun (`sent the follow-up email`), not a clause.
DETERMINERS: Final = frozenset(("a", "the", "my", "our", "his", "her", "their", "your", "this", "that", "no"))

#: Words that join clauses and dangle at the end once the parts after them are taken out.
CONNECTORS: Final = frozenset(
    ("and", "then", "also", "so", "&", "-", "—", "–", "to", "need", "needs", "will", "should", "must", "i'll",
     "we'll", "i", "we", "please", "plus", "but", "about", "re", "regarding", "on", "with", "for", "at", "by")
)  # fmt: skip

#: Words that dangle at the start once the parts before them are taken out.
LEADING_CONNECTORS: Final = frozenset(("and", "then", "also", "so", "&", "-", "—", "–", "plus", "but"))

#: Words a time phrase may start with, dropped with it (`met Ana on monday`, `at 3pm`).
TIME_PREPOSITIONS: Final = frozenset(("on", "at", "around", "by", "until", "till", "before"))

#: Single words that are dates only with a preposition (`on sat`), never alone (`I sat with Ana`, `may`).
AMBIGUOUS_DAYS: Final = frozenset(("sat", "sun", "wed", "mar", "may", "tod", "now", "today's"))

#: Day words that, in the future, mean the sentence talks of a plan rather than what happened.
FUTURE_DAY_WORDS: Final = frozenset(("tomorrow", "tmr", "tmrw", "tonight"))
