"""Recipes: TOML and SBaGen files to a frozen, validated :class:`~sensory.recipe.model.Recipe`.

``library.load`` is the way in (a preset name or a file path); ``presets`` knows the
names and folders, ``files`` reads a file within its limits, ``model`` validates,
``schema`` describes the format for editors, and ``sbagen`` converts SBaGen schedules.
"""
