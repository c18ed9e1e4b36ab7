"""The read side of the app: SQL files with bound parameters, cached per scope."""
