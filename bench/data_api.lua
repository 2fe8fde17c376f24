-- wrk script: every request carries the bearer token from $HERALD_BENCH_TOKEN.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("HERALD_BENCH_TOKEN")
