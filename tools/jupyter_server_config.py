# The suite's Jupyter server settings, installed into .venv/etc/jupyter/ by `make install`, so that any `jupyter lab`
# of the virtualenv has them:
# - Lab's HTML export and File > Print load nothing from the network: the lab template without its CDN scripts
#   (liquidity/publish/templates/liquidity_lab);
# - the exports that cannot work offline here (LaTeX PDF without pandoc, WebPDF with a browser download, Qt,
#   reveal.js slides from a CDN) are out of the menu; File > Save and Export Notebook As > Publish (the nbconvert
#   exporter of liquidity.publish.lab, an entry point of the package) makes the research note's PDFs instead;
# - no news feed and no version check from the internet;
# - the small Lab plugin liquidity/publish/labextensions/liquidity-lab (plain JavaScript, no build) keeps the
#   Chinese Markdown twins collapsed when cells run.
# The package is located, not imported: importing it (pandas...) would add seconds to every Lab start.
import importlib.util
from pathlib import Path

PUBLISH = Path(importlib.util.find_spec("liquidity").submodule_search_locations[0]) / "publish"

c = get_config()  # noqa: F821 - Jupyter gives a config file get_config()
c.HTMLExporter.extra_template_basedirs = [str(PUBLISH / "templates")]
c.HTMLExporter.template_name = "liquidity_lab"
for exporter in ("PDFExporter", "WebPDFExporter", "QtPDFExporter", "QtPNGExporter", "SlidesExporter"):
    c[exporter].enabled = False
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.extra_labextensions_path = [str(PUBLISH / "labextensions")]
