import statistics, time
from sqlalchemy import insert
from crm_tui.config import Settings
from crm_tui.db import open_engine, connection_scope
from crm_tui.dates import utcnow
from crm_tui.models import tables as t
from crm_tui.services.interactions import log_interaction
engine = open_engine(Settings(db_url="sqlite:///.scratch/logbench.db", user="b"))
def plain():
    with connection_scope(engine, write=True) as conn:
        now = utcnow()
        conn.execute(insert(t.interactions).values(contact_id=1, kind="call", summary="x", occurred_at=now, created_at=now, author="b"))
def journaled():
    with connection_scope(engine, write=True) as conn:
        log_interaction(conn, 1, kind="call", summary="x", author="b")
res = {"plain": [], "journaled": []}
for _ in range(5): plain(); journaled()
for i in range(300):
    for name, fn in (("plain", plain), ("journaled", journaled)) if i % 2 else (("journaled", journaled), ("plain", plain)):
        w = time.perf_counter(); c = time.process_time(); fn(); res[name].append((time.perf_counter() - w, time.process_time() - c))
for name, v in res.items():
    print(name, "wall ms %.2f" % (1000 * statistics.median(x for x, _ in v)), "cpu ms %.2f" % (1000 * statistics.median(y for _, y in v)))
