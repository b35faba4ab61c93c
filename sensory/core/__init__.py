"""The primitives and the vocabulary every other part speaks: curves, units, parameters, times, seeds, levels."""
