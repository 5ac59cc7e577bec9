#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Print libvccw's public symbols, one a line: the global symbols the library's objects
# define that its installed headers name (after preprocessing, so comments do not count
# and inline functions in the headers pull in what they call). mk/lib.mk exports these
# from libvccw.so (version script) and keeps only these global in the installed
# libvccw.a; internal vccw_ functions (declared in lib/*/src/*-int.h) and unprefixed
# helpers (css_log, net_parse_opts ...) stay local, so they neither leak nor clash
# with an embedder's own symbols.
#
# Usage: gen-exports.sh CC NM INCLUDE-FLAGS -- HEADER... -- OBJECT...
set -euo pipefail

cc=$1 nm=$2 incs=$3
shift 3
[ "$1" = -- ] && shift
headers=()
while [ "$1" != -- ]; do
	headers+=("$1")
	shift
done
shift

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vccw-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for h in "${headers[@]}"; do
	echo "#include \"vccw/${h##*/}\""
done | $cc -E -P -x c $incs - | grep -oE '\bvccw_[A-Za-z0-9_]+' | sort -u >"$tmp/named"
"$nm" -g --defined-only "$@" | awk 'NF == 3 && $2 ~ /^[TDBRGSVWi]$/ { print $3 }' |
	sort -u >"$tmp/defined"

comm -12 "$tmp/named" "$tmp/defined"
