# The README's two commands: `make run` and `make test`. The work is in .ci/.
.PHONY: run test build bench sqlx-prepare

## Build Berth and run it: as root, as a provisioned sandbox user; otherwise as you.
run:
	@.ci/berth-run.sh

## Every test: unit, integration and end-to-end, on a real rootless Podman (as root).
test:
	@.ci/test.sh

## Build target/release/berth and the site in target/site.
build:
	@.ci/tools.sh
	@.ci/build.sh

## Benchmarks (as root: they need the test host's rootless Podman): an authenticated
## page idle vs under a login flood; the container list page vs Podman's own list call
## with 100 containers; memory while streaming a fast-writing container's log.
bench:
	@.ci/bench.sh

## Refresh server/.sqlx after changing a migration or a query! (needs sqlite3).
sqlx-prepare:
	rm -rf target/sqlx-prepare.db server/.sqlx && mkdir -p server/.sqlx
	cat migrations/*.sql | sqlite3 target/sqlx-prepare.db
	SQLX_OFFLINE=false DATABASE_URL=sqlite:target/sqlx-prepare.db SQLX_OFFLINE_DIR=$(CURDIR)/server/.sqlx \
		cargo check --release -p server --lib --tests
