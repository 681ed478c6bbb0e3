#!/usr/bin/env bash
# `make test` bajo carga, desde clones limpios: la prueba de que las pruebas no fallan por azar.
#
# Clona N veces lo confirmado (HEAD, el de ese momento: cada línea dice su commit) de este repositorio en una carpeta temporal y ejecuta en
# cada clon `bash .ci/run` (lo mismo que CI: entorno nuevo, Chromium si falta, `make test`),
# uno detrás de otro, mientras un proceso ocupa entero uno de los núcleos (taskset -c 0).
# Imprime una línea por ejecución y, al final, cuántas salieron en verde; sale con 0 solo si
# todas lo están. Los registros de cada clon se quedan en la carpeta temporal.
#
#   bash tests/estres.sh        # 10 ejecuciones
#   bash tests/estres.sh 3      # 3
#   make estres N=3             # lo mismo
#
# Cada clon crea su propio .venv (pip usa su caché: la primera instalación tarda más).
set -uo pipefail

N="${1:-10}"
ORIGEN="$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)"
COMMIT="$(git -C "$ORIGEN" rev-parse --short HEAD)"
BASE="$(mktemp -d "${TMPDIR:-/tmp}/estres.XXXXXX")"

taskset -c 0 sh -c 'while :; do :; done' &
HOG=$!
trap 'kill "$HOG" 2>/dev/null' EXIT

echo "make test en $N clones de $ORIGEN @ $COMMIT, con el núcleo 0 ocupado (taskset -c 0)."
echo "Registros: $BASE"
verdes=0
for i in $(seq 1 "$N"); do
  clon="$BASE/clon-$i"
  registro="$BASE/clon-$i.log"
  inicio=$(date +%s)
  commit="-------"
  if git clone -q "$ORIGEN" "$clon" >"$registro" 2>&1 && commit=$(git -C "$clon" rev-parse --short HEAD) &&
    (cd "$clon" && bash .ci/run) >>"$registro" 2>&1; then
    resultado="verde"
    verdes=$((verdes + 1))
  else
    resultado="ROJO "
  fi
  segundos=$(($(date +%s) - inicio))
  # the summary line of each pytest run (pytest, then nbval), e.g. "412 passed in 150.2s"
  resumen=$(grep -E '^[0-9]+ (passed|failed|error)|^=+ .*(passed|failed).* in [0-9.]+s' "$registro" |
    sed -E 's/^=+ //; s/ =+$//' | paste -sd '|' -)
  printf '%2d/%s  %s  %s  %5d s  %s\n' "$i" "$N" "$commit" "$resultado" "$segundos" "${resumen:-sin resumen: mira $registro}"
  rm -rf "$clon/.venv"  # gigas por clon; el registro se queda
done
echo "$verdes de $N en verde."
[ "$verdes" -eq "$N" ]
