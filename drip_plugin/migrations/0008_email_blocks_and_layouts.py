# Email content as blocks in a shared layout (issue 7). Reviewed: additive only —
# existing emails keep their MJML (now optional, "raw MJML" mode), the body
# starts empty, and deleting a layout falls back to the default one (SET_NULL).

import django.core.validators
import django.db.models.deletion
import wagtail.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0007_email_translations'),
    ]

    operations = [
        migrations.CreateModel(
            name='Layout',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('shop_name', models.CharField(help_text='Shown in the header when there is no logo.', max_length=100, verbose_name='shop name')),
                ('logo_url', models.URLField(blank=True, help_text='An absolute https:// URL, about 200 px wide.', verbose_name='logo URL')),
                ('brand_colour', models.CharField(default='#1f6feb', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9a-fA-F]{6}$', 'A colour such as #1f6feb.')], verbose_name='brand colour')),
                ('background_colour', models.CharField(default='#f4f4f7', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9a-fA-F]{6}$', 'A colour such as #1f6feb.')], verbose_name='background colour')),
                ('font_family', models.CharField(default='Helvetica, Arial, sans-serif', max_length=200, verbose_name='font family')),
            ],
            options={
                'verbose_name': 'email layout',
            },
        ),
        migrations.AddField(
            model_name='email',
            name='body',
            field=wagtail.fields.StreamField([('heading', 2), ('text', 3), ('image', 7), ('button', 9), ('columns', 12), ('divider', 13), ('spacer', 14), ('lines', 16), ('products', 17), ('raw_mjml', 18)], blank=True, block_lookup={0: ('wagtail.blocks.CharBlock', (), {'label': 'text'}), 1: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('24px', 'large'), ('18px', 'medium')]}), 2: ('wagtail.blocks.StructBlock', [[('text', 0), ('size', 1)]], {}), 3: ('drip_plugin.models.email_blocks.TextBlock', (), {'features': ['bold', 'italic', 'link', 'ol', 'ul']}), 4: ('wagtail.blocks.CharBlock', (), {'help_text': 'Absolute https:// URL, or a merge variable.', 'label': 'image URL'}), 5: ('wagtail.blocks.CharBlock', (), {'help_text': 'Read aloud and shown when images are off.', 'label': 'alt text'}), 6: ('wagtail.blocks.CharBlock', (), {'label': 'link', 'required': False}), 7: ('wagtail.blocks.StructBlock', [[('src', 4), ('alt', 5), ('link', 6)]], {}), 8: ('wagtail.blocks.CharBlock', (), {'help_text': 'e.g. https://shop.example/new or {{ cart.restore_url }}', 'label': 'link'}), 9: ('wagtail.blocks.StructBlock', [[('text', 0), ('url', 8)]], {}), 10: ('wagtail.blocks.RichTextBlock', (), {'label': 'left'}), 11: ('wagtail.blocks.RichTextBlock', (), {'label': 'right'}), 12: ('wagtail.blocks.StructBlock', [[('left', 10), ('right', 11)]], {}), 13: ('drip_plugin.models.email_blocks.DividerBlock', (), {}), 14: ('drip_plugin.models.email_blocks.SpacerBlock', (), {'default': 20, 'max_value': 200, 'min_value': 5}), 15: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('cart', 'cart'), ('order', 'order')]}), 16: ('wagtail.blocks.StructBlock', [[('source', 15)]], {'label': 'Cart / order lines'}), 17: ('drip_plugin.models.email_blocks.ProductsBlock', (), {'label': 'Product recommendations'}), 18: ('drip_plugin.models.email_blocks.RawMJMLBlock', (), {})}, verbose_name='content blocks'),
        ),
        migrations.AlterField(
            model_name='email',
            name='mjml',
            field=models.TextField(blank=True, help_text='For developers, instead of blocks: the complete <mjml> document; Django template variables allowed.', verbose_name='whole email in raw MJML'),
        ),
        migrations.AddField(
            model_name='email',
            name='layout',
            field=models.ForeignKey(blank=True, help_text='Header, colours and footer around the blocks; empty: the default.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='drip_plugin.layout', verbose_name='layout'),
        ),
    ]
