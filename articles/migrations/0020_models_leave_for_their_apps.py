"""The readers' models, the audit trail's and the account records now belong to the apps
`readers`, `audit` and `accounts` (their 0001 migrations take them over with the same tables and
content types); here they only leave articles' migration state. No table is touched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0019_review_assignment_compliance_email_opt_outs'),
        ('accounts', '0001_initial'),
        ('audit', '0001_initial'),
        ('readers', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # Those pointing at ConsentText go before it.
                migrations.DeleteModel(name='InformationRequest'),
                migrations.DeleteModel(name='NewsletterSubscription'),
                migrations.DeleteModel(name='Feedback'),
                migrations.DeleteModel(name='ConsentText'),
                migrations.DeleteModel(name='AuditEvent'),
                migrations.DeleteModel(name='AuditHead'),
                migrations.DeleteModel(name='SignerCertification'),
                migrations.DeleteModel(name='FactorReset'),
                migrations.DeleteModel(name='AccountChange'),
                migrations.DeleteModel(name='EmailOptOut'),
            ],
        ),
    ]
