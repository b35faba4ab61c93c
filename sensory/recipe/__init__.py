"""Recipes: TOML and SBaGen files to a frozen, validated :class:`~sensory.recipe.model.model.Recipe`; the preset library."""
