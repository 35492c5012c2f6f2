"""Optional apps, each added to INSTALLED_APPS on its own (like wagtail.contrib.*).

The core never imports them: they plug in through drip_plugin.extensions.
"""
