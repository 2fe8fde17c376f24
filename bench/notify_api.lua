-- wrk script: POST /notifications, one email to the caller now, as the user whose bearer
-- token is in $HERALD_BENCH_TOKEN (its preferences must name an email address).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("HERALD_BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "Bench", "text": "A notification from the benchmark"}'
