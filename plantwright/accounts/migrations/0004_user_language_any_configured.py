# A language is added by its catalogue and settings.LANGUAGES: the field keeps no choices.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                help_text="The UI's language (a code of settings.LANGUAGES); empty: the browser's",
                max_length=8,
            ),
        ),
    ]
