"""Small stateful signal primitives shared by the kinds: noise, phase, panning, limiting."""
