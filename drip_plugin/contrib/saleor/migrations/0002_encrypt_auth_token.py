# Issue 15 point 9: the app token encrypted at rest. Reviewed: the column is
# renamed and widened (a Fernet token is ~1.4× the plain one plus ~100
# characters), then each stored token is encrypted with the newest of
# DRIP_PLUGIN["ENCRYPTION_KEYS"]; backwards, tokens are decrypted again.

from django.db import migrations, models


def encrypt_tokens(apps, schema_editor):
    from drip_plugin.contrib.saleor.encryption import encrypt

    Installation = apps.get_model("drip_saleor", "SaleorInstallation")
    for pk, plain in Installation.objects.values_list("pk", "encrypted_auth_token"):
        Installation.objects.filter(pk=pk).update(encrypted_auth_token=encrypt(plain))


def decrypt_tokens(apps, schema_editor):
    from drip_plugin.contrib.saleor.encryption import decrypt

    Installation = apps.get_model("drip_saleor", "SaleorInstallation")
    for pk, token in Installation.objects.values_list("pk", "encrypted_auth_token"):
        Installation.objects.filter(pk=pk).update(encrypted_auth_token=decrypt(token))


class Migration(migrations.Migration):

    dependencies = [
        ('drip_saleor', '0001_initial'),
    ]

    operations = [
        migrations.RenameField(
            model_name='saleorinstallation',
            old_name='auth_token',
            new_name='encrypted_auth_token',
        ),
        migrations.AlterField(
            model_name='saleorinstallation',
            name='encrypted_auth_token',
            field=models.TextField(),
        ),
        migrations.RunPython(encrypt_tokens, decrypt_tokens),
    ]
