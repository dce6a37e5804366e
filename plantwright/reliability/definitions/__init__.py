"""Every KPI of the reliability pages, declared through `plantwright.reliability.registry`, one module
per subject. The order of SUBJECTS is the order of the parts, the API fields, the export columns and
the tiles; a new subject is a module here and its name in SUBJECTS."""

from importlib import import_module

SUBJECTS = ("failures", "work", "pm", "cost", "response")

for subject in SUBJECTS:
    import_module(f"{__name__}.{subject}")
