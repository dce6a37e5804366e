from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    name = "plantwright.reliability"
    label = "reliability"
    verbose_name = "Reliability and cost KPIs"
