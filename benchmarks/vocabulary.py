"""The fixed word lists the benchmark data is drawn from: names, organizations, topics, prose."""

from __future__ import annotations

import random

# Searched by the benchmark: COMMON_WORD is the topic of about one interaction in eight,
# RARE_WORD sits in a handful of interaction bodies and one contact's notes.
COMMON_WORD = "proposal"
RARE_WORD = "zanzibar"

USERS = ("alice", "bob", "carol", "dave", "erin")

GIVEN_NAMES = """
Ada Alan Grace Linus Margaret Dennis Barbara Edsger Frances Donald Radia Ken Katherine John Hedy
Tim Anita Guido Sophie Yukihiro Lena Niklaus Joan Brian Karen Bjarne Shafi Ivan Adele Leslie
Zoë Renée José Chloé Søren Björn Agnès Jürgen Inès Łukasz Ōtomo Mária Nuño Çelik Ana Mateo
Lucía Hugo Emma Louis Jade Gabriel Léa Arthur Manon Jules Camille Paul Sarah Noah Clara Liam
Olivia Elijah Amelia James Mia Lucas Harper Henry Evelyn Theo Aria Felix Ivy Oscar Nora Leo
Maya Finn Ruby Ezra Iris Miles Hazel Silas Elena Kai Aurora Rowan Alice Jasper Willa Atlas
Priya Arjun Ananya Rohan Mei Wei Hiroshi Yuki Sakura Kenji Fatima Omar Amira Yusuf Leila Tariq
Ngozi Chidi Amara Kwame Zanele Thabo Ingrid Lars Astrid Erik Sigrid Olaf Dmitri Olga Pavel
""".split()  # noqa: SIM905 (a word list reads best as prose)

FAMILY_NAMES = """
Lovelace Turing Hopper Torvalds Hamilton Ritchie Liskov Dijkstra Allen Knuth Perlman Thompson
Johnson Backus Lamarr Berners-Lee Borg Rossum Wilson Matsumoto Kernighan Spärck Stroustrup
Goldwasser Sutherland Goldberg Lamport O'Brien Müller Núñez García Dubois Lefèvre Ødegaard
Šimek Nowak Kowalski Schröder Fernández Moreau Laurent Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Faure André Mercier Blanc Guérin Boyer Garnier Chevalier Smith Brown
Jones Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Anderson Thomas Taylor Moore
Jackson Martin Lee Perez White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young King
Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell
Carter Roberts Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Sato Kato
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Patel Sharma Singh Kumar Gupta Mehta Reddy Iyer
Okafor Adeyemi Mensah Nkosi Dlamini Haddad Khalil Nasser Mansour Larsen Hansen Nielsen
Johansson Andersson Virtanen Korhonen Ivanov Petrov Novak Horvat Kovačević Popescu Papadopoulos
""".split()  # noqa: SIM905 (a word list reads best as prose)

TITLES = (
    "CEO", "CTO", "Founder", "Product Manager", "Engineering Manager", "Designer", "Consultant",
    "Head of Sales", "Account Executive", "Marketing Lead", "Developer", "Data Scientist",
    "Operations Manager", "Recruiter", "Editor", "Procurement Officer", "CFO", "Partner",
)  # fmt: skip

TAGS = (
    "client", "lead", "vip", "partner", "supplier", "friend", "press", "investor", "prospect",
    "former-client", "referral", "conference", "newsletter", "speaker", "mentor", "alumni",
    "agency", "freelancer", "reseller", "board", "advisor", "community", "open-source", "vendor",
    "cold", "warm", "hot", "europe", "americas", "asia",
)  # fmt: skip

ORG_PREFIXES = """
Acme Globex Initech Umbrella Stark Wayne Tyrell Cyberdyne Soylent Aperture Hooli Vandelay
Massive Dynamic Northwind Contoso Fabrikam Wonka Gringotts Oceanic Blue Red Green Silver Golden
Bright Swift Clever Quantum Polar Atlas Summit Harbor Cedar Maple Falcon Orion Nova Pioneer
""".split()  # noqa: SIM905 (a word list reads best as prose)
ORG_NOUNS = """
Systems Labs Works Analytics Software Robotics Media Studio Foods Logistics Energy Health
Capital Ventures Consulting Design Networks Cloud Data Security Games Motors Textiles Press
Bank Insurance Pharma Retail Travel Foundry Partners Architects Engineering Supply Marine
""".split()  # noqa: SIM905 (a word list reads best as prose)
ORG_SUFFIXES = ("Inc", "Ltd", "GmbH", "SARL", "LLC", "Group", "Co", "AG", "BV", "SA")

# Topics of summaries and reminder titles; COMMON_WORD gets a heavy weight of its own.
TOPICS = (
    "invoice", "contract renewal", "Q3 roadmap", "budget", "kickoff", "design review", "hiring",
    "launch plan", "quarterly report", "pricing", "feedback", "onboarding", "migration", "audit",
    "partnership", "workshop agenda", "case study", "support ticket", "demo", "requirements",
    "statement of work", "timeline", "security review", "press release", "newsletter", "referral",
    "conference talk", "introductions", "retainer", "estimate", "deliverables", "retrospective",
)  # fmt: skip

SUMMARY_TEMPLATES = {
    "call": ("Call about the {topic}", "Quick call: {topic}", "Phone catch-up on the {topic}"),
    "email": ("Sent the {topic}", "Re: {topic}", "Email about the {topic}"),
    "meeting": ("Meeting on the {topic}", "Lunch to discuss the {topic}", "Workshop: {topic}"),
    "message": ("Message about the {topic}", "Pinged about the {topic}"),
    "note": ("Note: {topic}", "Thoughts on the {topic}"),
}
REMINDER_TEMPLATES = (
    "Follow up on the {topic}", "Send the {topic}", "Call back about the {topic}",
    "Check in on the {topic}", "Prepare the {topic}", "Chase the {topic}",
)  # fmt: skip

PROSE = """
we they agreed discussed next steps the client team project deadline week month budget scope
review draft final version update changes request approval sign contract price quote offer
meeting schedule call tomorrow friday monday later soon asap thanks great good fine issue
problem fix bug feature release deploy server data report numbers growth sales revenue cost
plan strategy goal target market customer user feedback survey interview design mockup
prototype slides deck presentation document spreadsheet shared drive link attached email
reply forward introduce colleague manager director board investor partner vendor supplier
invoice payment overdue paid receipt tax legal terms clause liability warranty support
ticket escalation priority urgent blocked waiting pending confirmed cancelled moved
rescheduled office remote travel visit conference booth lunch dinner coffee catch-up
hiring candidate role offer onboarding training workshop kickoff retro roadmap milestone
sprint estimate hours days rate retainer renewal churn upsell pilot trial demo license
""".split()  # noqa: SIM905 (a word list reads best as prose)


def pseudo_words(rng: random.Random, count: int) -> list[str]:
    """`count` distinct made-up words, the long tail that real notes have."""
    syllables = ("ka", "lo", "mi", "ra", "ten", "vos", "dri", "pel", "nu", "sha", "tor", "bel",
                 "qui", "fen", "gor", "lin", "mar", "sto", "ve", "xo", "yul", "ket", "pra", "dun")  # fmt: skip
    words: set[str] = set()
    while len(words) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if not word.startswith(RARE_WORD[:4]) and not word.startswith(COMMON_WORD[:4]):
            words.add(word)
    return sorted(words)
