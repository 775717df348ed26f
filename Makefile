# The two set-up commands of the README:
#   make run    installs what is missing, builds, and starts the gateway with its embedded defaults
#   make test   installs what is missing and runs the whole test suite
SHELL := /bin/bash
# Running needs espeak-ng (the offline TTS) only; the tests also need their peers and tools:
# sipp, tshark (RTP captures), sox (AMD recordings), PostgreSQL, Chromium (the portal test),
# baresip (the SRTP peer), openssl (test certificates for SIP over TLS), and for the cluster
# test (issue 16) redis-server and kamailio.
RUN_PACKAGES := espeak-ng
TEST_PACKAGES := $(RUN_PACKAGES) sip-tester sox tshark postgresql chromium baresip openssl redis-server kamailio
.PHONY: run test npm-deps run-deps test-deps build lint clean

run: run-deps npm-deps build
	npm start

test: test-deps npm-deps build lint
	npm test

run-deps:
	@bash scripts/install-system-deps.sh $(RUN_PACKAGES)

test-deps:
	@bash scripts/install-system-deps.sh $(TEST_PACKAGES)

npm-deps:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci; fi

build:
	npm run build

lint:
	npm run lint

clean:
	rm -rf dist
