/* A JupyterLab plugin as a federated module written by hand, so that no JavaScript build is needed (Lab loads this
   file, calls init() with its shared modules, then get("./extension")). Lab finds it through
   LabApp.extra_labextensions_path (tools/jupyter_server_config.py, installed by make install).

   The Chinese Markdown twins of the notebooks (cell metadata liquidity.lang = "zh") are stored collapsed
   (jupyter.source_hidden) and JupyterLab opens them collapsed, but running a Markdown cell expands it: after Run All
   the two languages stood stacked. This plugin collapses a twin again whenever it runs. A translator opens one with
   a click on its placeholder, edits it beside the English cell, and running it renders and collapses it again. */
(function () {
  "use strict";
  var shared = null;

  function sharedModule(name) {
    var versions = shared && shared[name];
    if (!versions) {
      return Promise.reject(new Error(name + " is not shared by this JupyterLab"));
    }
    var version = Object.keys(versions).sort().pop();
    return Promise.resolve(versions[version].get()).then(function (factory) { return factory(); });
  }

  function isChineseTwin(cell) {
    var meta = cell.model.getMetadata("liquidity");
    return cell.model.type === "markdown" && !!meta && meta.lang === "zh";
  }

  var plugin = {
    id: "liquidity-lab:chinese-twins",
    description: "Keeps the Chinese Markdown twins collapsed when cells run; a click on one opens it.",
    autoStart: true,
    activate: function () {
      return sharedModule("@jupyterlab/notebook").then(function (notebook) {
        notebook.NotebookActions.executed.connect(function (_, args) {
          if (isChineseTwin(args.cell)) {
            args.cell.inputHidden = true;
          }
        });
      });
    }
  };

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB["liquidity-lab"] = {
    init: function (scope) {
      shared = scope;
      return Promise.resolve();
    },
    get: function (module) {
      if (module !== "./extension") {
        return Promise.reject(new Error("liquidity-lab has no module " + module));
      }
      return Promise.resolve(function () { return { __esModule: true, "default": [plugin] }; });
    }
  };
})();
