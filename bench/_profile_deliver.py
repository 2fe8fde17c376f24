import asyncio, cProfile, pstats, time, sys, collections
from datetime import UTC, datetime
from sqlalchemy import text
from tests.support.cluster import Cluster
from entrypoints.ioc import make_container
from application.notifications.deliver_notifications import DeliverNotifications
from adapters.persistence.database import make_engine

async def main():
    c = Cluster("notify_bench")
    await c.create_database(); await c.seed_user(); c.start_stub(); await c.wait_for_stub()
    try:
        ids = await c.insert_due([datetime.now(UTC)] * 3050)
        engine = make_engine(c.db_url)
        async with engine.begin() as conn:
            await conn.execute(text("update notifications set status='queued'"))
        await engine.dispose()
        container = make_container(c.settings())
        async def batch(chunk):
            async with container() as req:
                await (await req.get(DeliverNotifications))(chunk)
        for i in range(0, 50, 10): await batch(ids[i:i+10])  # warm up
        size = int(sys.argv[1]) if len(sys.argv) > 1 else 20
        prof = cProfile.Profile()
        t0 = time.perf_counter(); cpu0 = time.process_time()
        if len(sys.argv) > 2: prof.enable()
        sem = asyncio.Semaphore(8)
        async def limited(chunk):
            async with sem:
                await batch(chunk)
        await asyncio.gather(*(limited(ids[i:i+size]) for i in range(50, 3050, size)))
        prof.disable()
        print("batch", size, "wall", round(time.perf_counter()-t0,2), "cpu per notif ms", round((time.process_time()-cpu0)/3000*1000, 3))
        if len(sys.argv) > 2:
            st = pstats.Stats(prof); agg = collections.Counter()
            for (f, l, fn), (cc, nc, tt, ct, callers) in st.stats.items():
                key = f.split("site-packages/")[-1].split("/")[0] if "site-packages" in f else ("src:" + f.split("/src/")[-1].split("/")[0] if "/src/" in f else ("stdlib:" + f.rsplit("/",1)[-1] if f.startswith("/") else f))
                agg[key] += tt
            for k, v in agg.most_common(25): print(f"{v:7.3f} {k}")
        await container.close()
    finally:
        c.stop()
asyncio.run(main())
