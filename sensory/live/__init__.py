"""Live play: the player, its console (keys and status line), output devices."""
