from rest_framework.routers import SimpleRouter

from . import views

# The routes only: the one API root lists every app's endpoints (csrplatform/urls.py).
router = SimpleRouter()
router.register("currencies", views.CurrencyViewSet)
router.register("exchange-rates", views.ExchangeRateViewSet)
router.register("cost-items", views.CostItemViewSet)
router.register("benefits", views.BenefitViewSet)
router.register("stated-figures", views.StatedFigureViewSet)
router.register("indicators", views.IndicatorViewSet)
router.register("tracked-indicators", views.PilotIndicatorViewSet)
router.register("observations", views.ObservationViewSet)
router.register("result-items", views.ResultItemViewSet)
router.register("result-indicators", views.ResultIndicatorViewSet)
router.register("progress-reports", views.ProgressReportViewSet)
router.register("judgements", views.JudgementViewSet)
router.register("pilot-figures", views.PilotFiguresViewSet, basename="pilot-figures")
router.register("programme-figures", views.ProgrammeFiguresViewSet, basename="programme-figures")
