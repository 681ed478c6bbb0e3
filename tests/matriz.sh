#!/usr/bin/env bash
# `make matriz`: the same `make <objetivo>` (test by default) on every Python 3.10-3.13 installed here,
# each in its own virtualenv .venv-3.X (the one for the Python of .venv, if any, is .venv itself),
# then one table: which versions ran, which passed. A version not installed is reported, not failed.
#
#   bash tests/matriz.sh [objetivo] [VAR=valor ...]    e.g.  bash tests/matriz.sh pytest PYTEST_PROCESOS=2
#   VERSIONES="3.10 3.13" bash tests/matriz.sh          only those versions
#
# Why a script and not a Makefile loop: each version needs its interpreter found (pyenv's folders or
# python3.X on PATH, and a pyenv shim that prints "command not found" is not an interpreter), its own
# VENV, and its result kept while the next one runs; make stops at the first failure.
set -u
cd "$(dirname "$0")/.."

objetivo=${1:-test}
[ $# -gt 0 ] && shift
versiones=${VERSIONES:-3.10 3.11 3.12 3.13}
logs=${MATRIZ_LOGS:-${TMPDIR:-/tmp}/matriz-$$}
mkdir -p "$logs"

# The interpreter for version $1, or nothing: pyenv's own build first, then python3.X on PATH.
interprete() {
    local v=$1 candidato
    local raiz=${PYENV_ROOT:-}
    [ -z "$raiz" ] && command -v pyenv >/dev/null 2>&1 && raiz=$(pyenv root 2>/dev/null)
    for candidato in ${raiz:+"$raiz"/versions/"$v".*/bin/python"$v"} "$(command -v "python$v" 2>/dev/null)"; do
        [ -x "$candidato" ] || continue
        if [ "$("$candidato" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$v" ]; then
            echo "$candidato"
            return
        fi
    done
}

# .venv itself when it already is this version (no second copy of the course's own environment).
entorno_de() {
    local v=$1
    if [ -x .venv/bin/python ] && [ "$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$v" ]; then
        echo .venv
    else
        echo ".venv-$v"
    fi
}

declare -a filas
fallos=0
for v in $versiones; do
    py=$(interprete "$v")
    if [ -z "$py" ]; then
        filas+=("$(printf '%-6s %-18s %-10s %s' "$v" "-" "falta" "(no hay python$v en esta máquina)")")
        continue
    fi
    venv=$(entorno_de "$v")
    log="$logs/$v.log"
    echo "== Python $v ($py) en $venv: make $objetivo${*:+ $*} (registro: $log)"
    inicio=$(date +%s)
    make "$objetivo" PYTHON="$py" VENV="$venv" "$@" 2>&1 | tee "$log"
    codigo=${PIPESTATUS[0]}
    segundos=$(( $(date +%s) - inicio ))
    if [ "$codigo" -eq 0 ]; then
        resultado="pasa"
    else
        resultado="FALLA ($codigo)"
        fallos=$((fallos + 1))
    fi
    # pytest's closing lines (one for each pytest run in the target), as the evidence of what ran
    resumen=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$log" | sed -E 's/^=+ //; s/ =+$//; s/ in [0-9.]+s.*//' \
              | paste -sd ';' -)
    filas+=("$(printf '%-6s %-18s %-10s %s' "$v" "$venv" "$resultado" "${resumen:-sin resumen de pytest} (${segundos} s)")")
done

echo
echo "== make $objetivo${*:+ $*} en cada Python"
printf '%-6s %-18s %-10s %s\n' "Python" "entorno" "resultado" "lo que corrió (cierre de cada pytest; duración)"
for fila in "${filas[@]}"; do echo "$fila"; done
[ "$fallos" -eq 0 ]
