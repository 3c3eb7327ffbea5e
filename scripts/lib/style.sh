# style.sh: the code's one style (.clang-format at the root).  Sourced;
# expects $ROOT and common.sh.
#
#   run_fmt            rewrite every C file of the repository in place
#   check_fmt          count a file that differs from its formatted self as a
#                      failure (sets STYLE_PASSED / STYLE_FAILED)

style_files() {
	git -C "$ROOT" ls-files --cached --others --exclude-standard -- '*.c' '*.h' |
		sed "s|^|$ROOT/|"
}

run_fmt() {
	apt_install clang-format
	style_files | xargs -r clang-format -i
	say "formatted $(style_files | wc -l) files"
}

check_fmt() {
	local f bad=0 good=0
	apt_install clang-format
	for f in $(style_files); do
		if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
			good=$((good + 1))
		else
			bad=$((bad + 1))
			printf 'scripts/dev: %s differs from .clang-format (scripts/dev fmt fixes it)\n' "${f#"$ROOT"/}" >&2
		fi
	done
	STYLE_PASSED=$good
	STYLE_FAILED=$bad
}
