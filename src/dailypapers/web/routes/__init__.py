"""Routers, one module per resource; app.ROUTERS lists them."""
