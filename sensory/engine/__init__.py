"""The engine: a recipe built into a mixer of layers and a master stage, rendered as one stream of blocks."""
