import os, subprocess, sys, sqlite3, tempfile
from pathlib import Path
sys.path.insert(0, ".")
from tests.test_forget_cli import a_person_everywhere, ok
d = Path(tempfile.mkdtemp()); db = d / "crm.db"
env = {"CRM_DB": f"sqlite:///{db}", "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
a_person_everywhere(env, d)
ok(env, "contact", "forget", "1", "--yes")
conn = sqlite3.connect(db)
for (name,) in conn.execute("select name from sqlite_master where type='table'").fetchall():
    for row in conn.execute(f'select * from "{name}"'):
        s = repr(row)
        if "yxwvut" in s:
            print(name, s[:300])
raw = db.read_bytes()
i = raw.find(b"Zyxwvut")
print("offset", i, "page", i // 4096, raw[i-200:i+100])
wal = Path(f"{db}-wal"); print("wal", wal.exists() and wal.stat().st_size)
