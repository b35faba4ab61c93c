"""SBaGen ``.sbg`` schedules read into recipes, with SBaGen's own timing, ranges and levels.

A file passes three steps, each its own module, and is parsed once:

* :mod:`.schedule` reads the text (option lines of :mod:`.options`, waveforms, tone-sets
  of :mod:`.voices`, blocks, time lines with the times of :mod:`.clock`; ``-i`` and ``-p``
  written out as schedule text by :mod:`.programs`) into a :class:`Schedule`;
* :mod:`.timing` places SBaGen 1.4's change windows and gives every layer its breakpoints;
* :mod:`.convert` turns those into recipe data (layers of :mod:`sensory.kinds.sbagen` and
  :mod:`sensory.kinds.soundtrack`), validated into a
  :class:`~sensory.recipe.model.Recipe`, and :mod:`.toml_text` into TOML text.
"""

from .convert import Converted, convert_file, load_sbg, recipe_data
from .schedule import Schedule, parse_sbg
from .toml_text import to_toml

__all__ = ["Converted", "Schedule", "convert_file", "load_sbg", "parse_sbg", "recipe_data", "to_toml"]
