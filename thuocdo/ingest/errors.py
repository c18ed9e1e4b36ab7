"""The importer's failures and the messages that explain them."""

from __future__ import annotations

from thuocdo.i18n import t


def message(key: str, lang: str = "vi", **params) -> str:
    """A catalogue message of the import area (Vietnamese by default)."""
    return t(key, lang, **params)


class ImportFailed(Exception):
    """Nothing could be read: the file, the sheet, the mapping or the columns are unusable.

    Carries a catalogue key and its parameters so that the command line and the page
    can say it in Vietnamese or English.
    """

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(message(key, "vi", **params))

    def text(self, lang: str = "vi") -> str:
        return message(self.key, lang, **self.params)
