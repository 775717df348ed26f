# The two set-up commands of the README:
#   make run    installs what is missing, builds, and starts the gateway with its embedded defaults
#   make test   installs what is missing and runs the whole test suite
SHELL := /bin/bash
APT_PACKAGES := sip-tester espeak-ng sox tshark postgresql chromium baresip openssl
.PHONY: run test deps system-deps build lint clean

run: deps build
	npm start

test: deps build lint
	npm test

system-deps:
	@bash scripts/install-system-deps.sh $(APT_PACKAGES)

deps: system-deps
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci; fi

build:
	npm run build

lint:
	npm run lint

clean:
	rm -rf dist
