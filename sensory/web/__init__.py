"""The web mixer: a local page as the remote control of a live player (``sensory mixer``).

:mod:`.messages` checks what a page sends, :mod:`.remote` turns it into the player's controls
and the player's state into what the page shows, :mod:`.server` serves the page
(``static/``), the state and a WebSocket on 127.0.0.1.
"""
