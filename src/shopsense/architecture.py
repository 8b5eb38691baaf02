"""The layer order of the package, declared once: each layer imports only layers below it.

Data flows upwards (DESIGN.md §2): records and text understanding at the bottom, the capability
packages above what they use, then the bundle that packs their artifacts, the server over a
bundle and the command line on top. Packages in one tier are peers and import neither each
other nor anything above. `tests/test_architecture.py` walks every import of the package
(imports inside functions and under `TYPE_CHECKING` included) and fails on a cycle or on an
import against this order.
"""

from __future__ import annotations

#: Tiers from the bottom up; a name is a subpackage or top-level module of `shopsense`.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("architecture",),
    ("data", "execution"),
    ("text", "learning"),
    ("reviews",),
    ("retrieval",),
    ("search",),
    ("placement", "assistant"),
    ("ranking",),
    ("evaluation", "testing"),
    ("bundle",),
    ("serving",),
    ("web",),
    ("cli",),
)


def tier(module: str) -> int:
    """The tier of a module `shopsense.<part>...`; raises for a part no tier declares."""
    part = module.split(".")[1]
    for level, names in enumerate(LAYERS):
        if part in names:
            return level
    raise KeyError(f"{module}: shopsense.{part} is in no tier of shopsense.architecture.LAYERS")
