#!/usr/bin/env bash
# setup.sh [demo|test] installs what talentmatch's make targets need and is
# not there yet; make demo, make test, make chaos and make cluster-test run it
# first, and so does .ci/run through them.
#
#   demo  redis-server (matchd's private Redis when none answers on 6379)
#   test  the above, and for the test suite: redis-tools (redis-cli for the
#         Redis Cluster tests), chromium and fonts-noto-cjk (the dashboard
#         test), nats-server (the distribution's NATS, for the end-to-end
#         test against it), jq and curl (the README's examples), nodejs and
#         npm (the AsyncAPI parser, installed into
#         internal/dev/asyncapi/node_modules), and the nats CLI at the
#         version the README names (go install, for the README test).
#
# Debian packages are installed with apt-get when this runs as root;
# otherwise it stops at once and prints the one command to run. With
# everything present it checks and returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin"

what=${1:-test}
case $what in
demo | test) ;;
*)
	echo "usage: $0 [demo|test]" >&2
	exit 2
	;;
esac

# NATSCLI is the nats CLI the README's examples are written for (and the
# README test runs them with); keep it equal to the README's go install line.
NATSCLI=github.com/nats-io/natscli/nats
NATSCLI_VERSION=v0.5.0

say() { printf 'setup: %s\n' "$*"; }

if ! command -v go >/dev/null 2>&1; then
	echo "setup: Go 1.26 or later is required and not on PATH: install it from https://go.dev/dl" >&2
	exit 1
fi

# Debian packages: command (or file) that proves it is there, package.
pkgs=()
want() { # want PACKAGE CHECK...: PACKAGE is missing unless one CHECK passes
	local pkg=$1
	shift
	local c
	for c in "$@"; do
		case $c in
		/*) [ -e "$c" ] && return 0 ;;
		*) command -v "$c" >/dev/null 2>&1 && return 0 ;;
		esac
	done
	pkgs+=("$pkg")
}
want make make
want redis-server redis-server
if [ "$what" = test ]; then
	want redis-tools redis-cli
	want chromium chromium chromium-browser google-chrome
	want fonts-noto-cjk /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
	want nats-server /usr/sbin/nats-server nats-server
	want nodejs node
	want npm npm
	want jq jq
	want curl curl
fi

if [ ${#pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		{
			echo "setup: missing ${pkgs[*]}; install them with:"
			echo
			if command -v apt-get >/dev/null 2>&1; then
				echo "  sudo apt-get install -y ${pkgs[*]}"
			else
				echo "  your package manager's equivalent of: apt-get install -y ${pkgs[*]}"
			fi
			echo
			echo "then run make again."
		} >&2
		exit 1
	fi
	say "installing ${pkgs[*]} with apt-get (the first time, chromium makes this a few minutes)"
	apt-get update -qq
	t0=$SECONDS
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}"
	say "installed ${pkgs[*]} in $((SECONDS - t0)) s"
fi

[ "$what" = test ] || exit 0

# The AsyncAPI project's parser, pinned by package-lock.json; reinstalled
# when the lock file changes. Its packages' install scripts are not run.
dir=internal/dev/asyncapi
if [ ! -f $dir/node_modules/.package-lock.json ] || [ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]; then
	say "installing @asyncapi/parser into $dir/node_modules (npm ci, about 20 s)"
	t0=$SECONDS
	(cd $dir && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	touch $dir/node_modules/.package-lock.json
	say "installed @asyncapi/parser in $((SECONDS - t0)) s"
fi

# The nats CLI, in Go's bin directory (where go install puts it).
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin=$(go env GOPATH)/bin
if [ "$("$gobin/nats" --version 2>/dev/null)" != "$NATSCLI_VERSION" ]; then
	say "building the nats CLI: go install $NATSCLI@$NATSCLI_VERSION (the first time about 2 minutes)"
	t0=$SECONDS
	go install "$NATSCLI@$NATSCLI_VERSION"
	say "installed $gobin/nats $NATSCLI_VERSION in $((SECONDS - t0)) s"
fi
