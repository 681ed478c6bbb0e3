# Los dos comandos del README: `make lab` y `make test`. Solo necesitan python3 (3.10+).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.instalado
SANEAR := tests/sanitize.cfg

.PHONY: lab test entorno lint tipos pytest nbval navegador alumno bench ejecutar limpiar estres libro matriz

## Crea (si no existe) el entorno virtual e instala el curso; se rehace si cambia pyproject.toml.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps 'httpbin==0.10.4'
	$(BIN)/python -m labsupport preparar-lab
	touch $(STAMP)

entorno: $(STAMP)

## Abre JupyterLab (en español) con el curso.
lab: $(STAMP)
	$(BIN)/python -m labsupport abrir

## Todo lo que comprueba CI: estilo, tipos, pruebas de labsupport, cuadernos (nbval estricto), navegador.
test: $(STAMP) lint tipos pytest nbval

lint: $(STAMP)
	$(BIN)/ruff check .

## mypy sobre todo labsupport (la configuración está en pyproject.toml): cero errores.
tipos: $(STAMP)
	$(BIN)/mypy

## Cuatro procesos a la vez (pytest-xdist): casi todas las pruebas esperan a un socket, no calculan.
## Cada proceso coge la siguiente prueba libre (worksteal), así ninguno se queda con la cola al final.
PYTEST_PROCESOS ?= 4
## La prueba de Ctrl+C va aparte, en un solo proceso sin xdist (ver su motivo en tests/test_cli.py).
pytest: $(STAMP)
	$(BIN)/python -m pytest tests -q -n $(PYTEST_PROCESOS) --dist worksteal --durations=15
	$(BIN)/python -m pytest tests/test_cli.py -q -p no:xdist -k ctrl_c

nbval: $(STAMP)
	LABSUPPORT_PROGRESO=no $(BIN)/python -m pytest -q -p no:randomly --nbval --nbval-current-env \
	    --nbval-sanitize-with $(SANEAR) notebooks/*.ipynb

## `make test` N veces (10 por defecto) desde clones limpios con un núcleo ocupado: ¿falla alguna por azar?
N ?= 10
estres:
	bash tests/estres.sh $(N)

## Edición del alumno en ./alumno (nunca sobrescribe lo que ya existe).
alumno: $(STAMP)
	$(BIN)/python -m labsupport alumno --destino alumno

## Mediciones (benchmarks/), tabla en pantalla y JSON en benchmarks/resultados/.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## `make test` en cada Python 3.10–3.13 instalado (cada uno en su .venv-3.X; el 3.11 en .venv), con una tabla al final.
OBJETIVO ?= test
matriz:
	bash tests/matriz.sh $(OBJETIVO)

## El curso como sitio web (Jupyter Book 2) en build/libro/_build/html. Sin red hace falta una plantilla local del
## tema: LABSUPPORT_PLANTILLA_LIBRO=DIR. Opciones: make libro LIBRO_OPCIONES="--con-soluciones --hub https://hub.centro.es"
libro: $(STAMP)
	$(BIN)/python -m labsupport libro $(LIBRO_OPCIONES)

## Vuelve a ejecutar los cuadernos maestros y guarda sus salidas (para quien los edita).
ejecutar: $(STAMP)
	LABSUPPORT_PROGRESO=no $(BIN)/python -m labsupport ejecutar notebooks/*.ipynb

limpiar:
	rm -rf $(VENV) .venv-3.* build *.egg-info
