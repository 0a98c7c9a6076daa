# The suite's Jupyter server settings, installed into .venv/etc/jupyter/ by `make install` (so any `jupyter lab` of
# the virtualenv has them): Lab's HTML export and File > Print without the network, and the PDF exports that cannot
# work here replaced by File > Save and Export Notebook As > Publish, the research note. The settings are in the
# library: liquidity.publish.lab.configure_server.
from liquidity.publish.lab import configure_server

configure_server(c)  # noqa: F821 - `c` is the configuration object Jupyter gives this file
