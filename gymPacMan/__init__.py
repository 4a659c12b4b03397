"""Capture-the-Flag Pacman: a faithful, vectorised engine and its environments."""
