"""Keep every page inside the frame, even when the first visitor types a page's URL.

Streamlit decides once per server process whether the app is a legacy ``pages/``
folder app: it is until some session runs ``st.navigation``. So on a fresh server a
typed address such as ``/unit?unit=HN.SNV`` used to run ``pages/unit.py`` alone, with
file names in the sidebar and without the frame (language, filters, sign-out). The
guard calls :func:`ensure_frame` first: it switches the process to ``st.navigation``
mode and reruns, which runs ``app.py`` on the same address with its parameters.
Tested by a browser journey that opens a typed URL on a fresh server.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_frame() -> None:
    """Rerun through app.py when this page was started by the legacy pages/ router."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
