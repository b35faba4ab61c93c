"""Exports: blocks to audio files in the formats apps ship, with loudness targets, loops and tags."""
