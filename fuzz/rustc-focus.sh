#!/usr/bin/env bash
# rustc wrapper for the fuzz build (see .cargo/config.toml): compiles the regex crates without
# coverage instrumentation. They only compile the %regex% of a filter pattern, which the analyst
# types; upstream fuzzes them. Instrumented, they took three quarters of every `pattern` run
# and filled its coverage map with their own branches instead of picket's.
rustc=$1
shift
case " $* " in
*" --crate-name regex "* | *" --crate-name regex_automata "* | *" --crate-name regex_syntax "* | *" --crate-name aho_corasick "*)
    args=()
    for arg in "$@"; do
        [ "$arg" = "-Cpasses=sancov-module" ] || args+=("$arg")
    done
    exec "$rustc" "${args[@]}"
    ;;
esac
exec "$rustc" "$@"
