from rest_framework.routers import SimpleRouter

# The routes only: the one API root lists every app's endpoints (csrplatform/urls.py).
router = SimpleRouter()
