.PHONY: check test run fmt

check:
	uv run ruff check src tests bench
	uv run ruff format --check src tests bench
	uv run mypy
	uv run lint-imports

test:
	uv run pytest -q

run:
	uv run herald serve

fmt:
	uv run ruff check --fix src tests bench
	uv run ruff format src tests bench
