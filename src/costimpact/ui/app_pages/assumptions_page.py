"""Page script run by st.navigation (see costimpact.ui.nav)."""

from costimpact.ui import nav
from costimpact.ui.pages import assumptions_page

nav.run_page(assumptions_page.render)
