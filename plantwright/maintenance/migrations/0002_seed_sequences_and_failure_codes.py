"""Number sequences, and a starter failure code list (ISO 14224 style) that sites can extend."""

from django.db import migrations

STARTER_CODES = {
    "problem": [
        ("BRD", "Breakdown"),
        ("ELP", "External leakage - process medium"),
        ("ELU", "External leakage - utility medium"),
        ("VIB", "Vibration"),
        ("NOI", "Noise"),
        ("OHE", "Overheating"),
        ("FTS", "Fail to start on demand"),
        ("STP", "Fail to stop on demand"),
        ("SPO", "Spurious operation"),
        ("LOO", "Low output"),
        ("PDE", "Parameter deviation"),
        ("STD", "Structural deficiency"),
    ],
    "cause": [
        ("WEA", "Wear"),
        ("COR", "Corrosion"),
        ("FAT", "Fatigue"),
        ("OVH", "Overheating"),
        ("MIS", "Misalignment"),
        ("LUB", "Lubrication failure"),
        ("CON", "Contamination"),
        ("ELF", "Electrical fault"),
        ("CTL", "Control / instrument failure"),
        ("OPE", "Operating error"),
        ("MAI", "Maintenance error"),
        ("DES", "Design deficiency"),
        ("UNK", "Unknown"),
    ],
    "remedy": [
        ("REP", "Replace"),
        ("RPR", "Repair"),
        ("ADJ", "Adjust"),
        ("REF", "Refit / realign"),
        ("CLN", "Clean"),
        ("LUB", "Lubricate"),
        ("MOD", "Modify"),
        ("RST", "Reset / restart"),
        ("INS", "Inspect, no action needed"),
    ],
}


def seed(apps, schema_editor):
    NumberSequence = apps.get_model("maintenance", "NumberSequence")
    FailureCode = apps.get_model("maintenance", "FailureCode")
    for name in ("WO", "WR"):
        NumberSequence.objects.get_or_create(name=name)
    for kind, codes in STARTER_CODES.items():
        for code, description in codes:
            FailureCode.objects.get_or_create(kind=kind, code=code, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [("maintenance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
