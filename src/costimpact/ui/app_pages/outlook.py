"""Page script run by st.navigation (see costimpact.ui.nav)."""

from costimpact.ui import nav
from costimpact.ui.pages import outlook

nav.run_page(outlook.render)
