"""Page script run by st.navigation (see costimpact.ui.nav)."""

from costimpact.ui import nav
from costimpact.ui.pages import orders

nav.run_page(orders.render)
