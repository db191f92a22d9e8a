import time, cProfile, pstats, sys
from crm_tui.config import Settings
from crm_tui.db import open_engine, connection_scope
from crm_tui.services.dedup import find_duplicates
engine = open_engine(Settings(db_url="sqlite:///benchmarks/.data/crm-v1-r0008-c100000-i1000000-m50000-s42.db", user="b"))
with connection_scope(engine) as conn:
    t0=time.process_time(); w=time.perf_counter()
    if len(sys.argv) > 1:
        pr = cProfile.Profile(); pr.enable()
    r = find_duplicates(conn)
    print("cpu", time.process_time()-t0, "wall", time.perf_counter()-w, len(r.pairs), r.compared)
    if len(sys.argv) > 1:
        pr.disable(); pstats.Stats(pr).sort_stats("tottime").print_stats(10)
