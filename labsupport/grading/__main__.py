"""``python -m labsupport.grading --nucleo-aislado -f CONEXION``: the isolated kernel's entry point.

The grader starts it inside ``unshare --net`` (see :mod:`.kernel`); it is not a command for
people, who use ``python -m labsupport corregir``. This file is not imported by the package,
so running it never imports it twice.
"""

from __future__ import annotations

import sys

from .kernel import ISOLATED_FLAG, isolated_kernel_main


def main(argv: list[str]) -> int:
    if argv[:1] != [ISOLATED_FLAG]:
        print(
            f"Esto es el arranque del kernel aislado del corrector ({ISOLATED_FLAG} -f CONEXION). "
            "Para corregir entregas usa: python -m labsupport corregir CARPETA",
            file=sys.stderr,
        )
        return 2
    isolated_kernel_main(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
