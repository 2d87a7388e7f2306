"""costimpact web app: `streamlit run app.py`. Lays out only; the pages live in costimpact.ui."""

import streamlit as st

from costimpact.i18n import t
from costimpact.ui import data, nav

st.set_page_config(page_title=t("common.app_title", "zh") + " · costimpact", page_icon=":material/inventory_2:", layout="wide")
data.start_workers()
nav.render_sidebar()
st.navigation(nav.pages(), position="sidebar").run()
