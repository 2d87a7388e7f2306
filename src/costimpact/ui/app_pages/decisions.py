"""Page script run by st.navigation (see costimpact.ui.nav)."""

from costimpact.ui import nav

nav.run_page(nav.page_decisions)
