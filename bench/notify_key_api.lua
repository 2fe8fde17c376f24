-- wrk script: POST /notifications as a service: by the API key in $HERALD_BENCH_KEY, to
-- the recipient bench-recipient, with the template bench-reminder (bench/lib.sh's
-- notify_key_fixture makes all three). One email each, now.
wrk.method = "POST"
wrk.headers["X-API-Key"] = os.getenv("HERALD_BENCH_KEY")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"recipient": "bench-recipient", "template": "bench-reminder", '
  .. '"data": {"when": "Tuesday 3 pm", "place": "Main St. 12"}}'
