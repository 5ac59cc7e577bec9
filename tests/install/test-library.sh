#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libvccw as an embedder gets it: the private installation that make check puts in
# $(O)/stage (mk/lib.mk) and the examples built from it with pkg-config alone
# (examples/module.mk). Checks the installed layout and soname, that every installed
# header compiles on its own in C and in C++ and reaches nothing outside the tree,
# that libvccw.so and libvccw.a expose the public API and nothing else, that no
# library libvccw.so links is under the GPL, and that the C and C++ examples, static
# and shared, drive SENSE ID on a virtio-rng device and print what they should.
# Prints PASS/FAIL lines and the summary "N passed, N failed, N skipped".
#
# Usage: test-library.sh [CONF]   (default: test-library.conf next to this script's
# copy; make writes it with STAGE, SRCDIR, CC, CXX, VERSION, EXAMPLES).
set -u

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=/dev/null
. "${1:-$HERE/install-library.conf}"
T=$(mktemp -d "${TMPDIR:-/tmp}/vccw-install-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

passed=0 failed=0 skipped=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
check() { # check NAME DETAIL COMMAND...
	local name=$1 detail=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$detail"; fi
}

PC() { PKG_CONFIG_PATH="$STAGE/lib/pkgconfig" pkg-config "$@"; }
LIBDIR=$STAGE/lib
INC=$STAGE/include/vccw
MAJOR=${VERSION%%.*}

# ---- layout and pkg-config ----

check layout_libraries "libvccw.a, libvccw.so -> libvccw.so.$MAJOR -> libvccw.so.$VERSION" \
	test -f "$LIBDIR/libvccw.a" -a -f "$LIBDIR/libvccw.so.$VERSION" -a \
	"$(readlink "$LIBDIR/libvccw.so")" = "libvccw.so.$MAJOR" -a \
	"$(readlink "$LIBDIR/libvccw.so.$MAJOR")" = "libvccw.so.$VERSION"
soname=$(readelf -d "$LIBDIR/libvccw.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check soname_is_major "soname '$soname'" test "$soname" = "libvccw.so.$MAJOR"
check pkgconfig_version "pkg-config --modversion: $(PC --modversion vccw 2>&1)" \
	test "$(PC --modversion vccw 2>&1)" = "$VERSION"
check pkgconfig_points_at_install "cflags '$(PC --cflags vccw)' libs '$(PC --libs vccw)'" \
	test "$(echo $(PC --cflags vccw))" = "-I$STAGE/include" -a \
	"$(echo $(PC --libs vccw))" = "-L$LIBDIR -lvccw"
# Libs.private is what the shared library really needs: each NEEDED but libc is there
# (and the sanitizer runtimes, which -fsanitize brings in a sanitizer build).
needed=$(readelf -d "$LIBDIR/libvccw.so.$VERSION" | sed -n 's/.*(NEEDED).*\[lib\([^.]*\)\.so.*\]/\1/p')
private=$(PC --static --libs vccw)
missing=
for lib in $needed; do
	case $lib in c | pthread | asan | ubsan | lsan | tsan) ;; *) [[ " $private " == *" -l$lib "* ]] || missing+=" $lib" ;; esac
done
check pkgconfig_libs_private_complete "NEEDED but not in Libs.private:$missing" test -z "$missing"

# ---- headers ----

headers=$(cd "$INC" && ls -- *.h)
nr_headers=$(echo "$headers" | wc -w)
check headers_all_installed "$nr_headers installed, $NR_HEADERS public" test "$nr_headers" -eq "$NR_HEADERS"
# Every #include "..." names an installed header; no path reaches back into a tree.
bad=$(cd "$INC" && grep -n '#include "' -- *.h | grep -vE '#include "vccw/[a-z0-9-]+\.h"')
for h in $(cd "$INC" && grep -ho '#include "vccw/[^"]*"' -- *.h | sort -u | sed 's/.*"vccw\/\(.*\)"/\1/'); do
	[ -f "$INC/$h" ] || bad+=" vccw/$h (not installed)"
done
check headers_include_only_installed "$bad" test -z "$bad"
missing=
for h in $headers; do
	grep -q "#include \"vccw/$h\"" "$INC/vccw.h" || [ "$h" = vccw.h ] || missing+=" $h"
done
check umbrella_includes_every_header "vccw/vccw.h lacks:$missing" test -z "$missing"
missing=
for h in $headers; do
	[ "$h" = vccw.h ] || grep -q 'extern "C" {' "$INC/$h" || missing+=" $h"
done
check headers_extern_c "no extern \"C\" in:$missing" test -z "$missing"

# Each header alone, first in its translation unit, with nothing but pkg-config's flags.
for h in $headers; do
	printf '#include <vccw/%s>\n' "$h" >"$T/one.c"
	if out=$($CC -std=c11 -pedantic -Wall -Wextra -Werror $(PC --cflags vccw) -fsyntax-only \
		-x c "$T/one.c" 2>&1); then
		pass "header_alone_c_$h"
	else
		fail "header_alone_c_$h" "$(echo "$out" | head -3)"
	fi
	if out=$($CXX -std=c++11 -pedantic -Wall -Wextra -Werror $(PC --cflags vccw) -fsyntax-only \
		-x c++ "$T/one.c" 2>&1); then
		pass "header_alone_cxx_$h"
	else
		fail "header_alone_cxx_$h" "$(echo "$out" | head -3)"
	fi
done

# ---- symbols ----

nm -D --defined-only "$LIBDIR/libvccw.so.$VERSION" | awk 'NF == 3 { print $3 }' | sort -u >"$T/so"
nm -g --defined-only "$LIBDIR/libvccw.a" | awk 'NF == 3 { print $3 }' | sort -u >"$T/a"
cat "$INC"/*.h | grep -oE '\bvccw_[A-Za-z0-9_]+' | sort -u >"$T/public"
check so_exports_something "$(wc -l <"$T/so") symbols" test "$(wc -l <"$T/so")" -gt 100
leaked=$(grep -v '^vccw_' "$T/so" | tr '\n' ' ')
check so_exports_only_vccw_prefix "$leaked" test -z "$leaked"
unnamed=$(comm -23 "$T/so" "$T/public" | tr '\n' ' ')
check so_exports_only_public_names "exported but named in no installed header: $unnamed" \
	test -z "$unnamed"
# The library's private headers name its internal functions: none may be exported.
cat "$SRCDIR"/lib/*/src/*.h "$SRCDIR"/lib/*/*/src/*.h "$SRCDIR"/include/vccw/list.h 2>/dev/null |
	grep -oE '\bvccw_[A-Za-z0-9_]+' | sort -u | comm -23 - "$T/public" >"$T/private"
leaked=$(comm -12 "$T/so" "$T/private" | tr '\n' ' ')
check so_hides_private_functions "exported: $leaked" test -z "$leaked" -a -s "$T/private"
check so_hides_trace_internals "vccw_trace_emit or vccw_trace_mask exported" \
	test -z "$(grep -xE 'vccw_trace_(emit|mask)' "$T/so")"
check archive_globals_are_the_api "libvccw.a and libvccw.so differ: $(diff "$T/a" "$T/so" | head -3)" \
	cmp -s "$T/a" "$T/so"
for f in vccw_version vccw_css_busid_to_sid vccw_sch_sid vccw_css_new vccw_virtio_ccw_new; do
	check "so_exports_$f" "missing" grep -qx "$f" "$T/so"
done

# docs/api.md documents every exported function (regenerate it with make api-doc).
grep -oE '^### .*' "$SRCDIR/docs/api.md" | grep -oE 'vccw_[A-Za-z0-9_]+\(\)' | tr -d '()' |
	sort -u >"$T/documented"
undocumented=$(comm -23 "$T/so" "$T/documented" | tr '\n' ' ')
check api_doc_covers_exports "not in docs/api.md (run make api-doc): $undocumented" \
	test -z "$undocumented"

# ---- licences of what libvccw.so links (libvccw is MIT and links nothing GPL) ----

# Library -> licence, as the Debian package's copyright file gives it for the library.
licence() {
	case $1 in
	linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.*)
		echo "LGPL-2.1+ (glibc)" ;;
	libslirp.so.*) echo "BSD-3-Clause and MIT (libslirp)" ;;
	libglib-2.0.so.*) echo "LGPL-2.1+ (GLib, through libslirp)" ;;
	libpcre2-8.so.*) echo "BSD-3-Clause (PCRE2, through GLib)" ;;
	liburing.so.*) echo "MIT or LGPL-2.1 (liburing)" ;;
	libnbd.so.*) echo "LGPL-2.1+ (libnbd)" ;;
	libxml2.so.*) echo "MIT (libxml2, through libnbd)" ;;
	libgnutls.so.*) echo "LGPL-2.1+ (GnuTLS, through libnbd)" ;;
	libtasn1.so.*) echo "LGPL-2.1+ (libtasn1, through GnuTLS)" ;;
	libp11-kit.so.*) echo "BSD-3-Clause (p11-kit, through GnuTLS)" ;;
	libnettle.so.* | libhogweed.so.*) echo "LGPL-3+ or GPL-2+, used as LGPL-3+ (Nettle, through GnuTLS)" ;;
	libgmp.so.*) echo "LGPL-3+ or GPL-2+, used as LGPL-3+ (GMP, through Nettle)" ;;
	libidn2.so.*) echo "LGPL-3+ or GPL-2+, used as LGPL-3+ (libidn2, through GnuTLS)" ;;
	libunistring.so.*) echo "LGPL-3+ or GPL-2+, used as LGPL-3+ (libunistring, through libidn2)" ;;
	libffi.so.*) echo "MIT (libffi, through p11-kit)" ;;
	libicuuc.so.* | libicudata.so.*) echo "Unicode-DFS/ICU licence (ICU, through libxml2)" ;;
	liblzma.so.*) echo "public domain (XZ Utils liblzma, through libxml2)" ;;
	libz.so.*) echo "Zlib (zlib, through libxml2)" ;;
	libasan.so.* | libubsan.so.* | libtsan.so.* | liblsan.so.* | libgcc_s.so.* | libstdc++.so.*)
		echo "GPL-3+ with the GCC Runtime Library Exception" ;;
	*) echo unknown ;;
	esac
}
unknown=
for so in $(ldd "$LIBDIR/libvccw.so.$VERSION" | awk '{ print $1 }'); do
	so=${so##*/}
	l=$(licence "$so")
	echo "  libvccw.so links $so: $l"
	[ "$l" = unknown ] && unknown+=" $so"
done
check so_links_no_gpl_library "libraries of unknown licence (check, then list them here):$unknown" \
	test -z "$unknown"

# ---- the examples ----

sed "s/@VERSION@/$VERSION/g" "$SRCDIR/examples/embed.expected" >"$T/expected"
for ex in $EXAMPLES; do
	name=example_${ex##*/}
	if [ ! -x "$ex" ]; then
		fail "$name" "not built"
		continue
	fi
	out=$(LD_LIBRARY_PATH="$LIBDIR" "$ex" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "$(cat "$T/expected")" ]; then
		pass "$name"
	else
		fail "$name" "exit $rc, output differs: $(diff <(echo "$out") "$T/expected" | head -4)"
	fi
	linked=$(readelf -d "$ex" | grep -c 'NEEDED.*\[libvccw\.so\.'"$MAJOR"'\]')
	case $ex in
	*-static) check "${name}_links_archive" "NEEDS libvccw.so" test "$linked" -eq 0 ;;
	*-shared) check "${name}_links_soname" "no NEEDED libvccw.so.$MAJOR" test "$linked" -eq 1 ;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
