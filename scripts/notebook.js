#!/usr/bin/env node
"use strict";
/**
 * `npm run notebook`: open einconv's notebooks interactively on the tslab kernel.
 *
 * Sets up like `npm run reproduce -- --setup-only` (without installing
 * Jupyter), then starts JupyterLab if installed, else the classic Notebook
 * (Debian: jupyter-notebook), in notebooks/ with our kernel spec on
 * JUPYTER_PATH. Extra arguments go to the server:
 *   npm run notebook -- --no-browser --ip=0.0.0.0 --port=8888
 * Without a server it prints how to install one and exits 1.
 */
const path = require("node:path");
const { spawn } = require("node:child_process");
const env = require("./notebook-env");

function findServer() {
  const jupyterEnv = env.jupyterEnv();
  for (const sub of ["lab", "notebook"]) {
    if (env.probe("jupyter", [sub, "--version"], { env: jupyterEnv }).ok) return sub;
  }
  return undefined;
}

function main() {
  env.ensureNodeModules();
  env.ensureBuilt();
  env.checkTslabVersion();
  env.linkEinconv();
  const spec = env.writeKernelSpec();
  const server = findServer();
  if (!server) {
    process.stderr.write(
      [
        "No Jupyter server found (tried `jupyter lab` and `jupyter notebook`). Install one, then run `npm run notebook` again:",
        "  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends jupyter-notebook",
        "  or JupyterLab:  pipx install jupyterlab   (renders the vega-lite charts interactively)",
        `The kernel spec is ready in ${path.dirname(spec)}; with your own Jupyter use: JUPYTER_PATH=${env.JUPYTER_DATA_DIR} jupyter lab`,
        "",
      ].join("\n"),
    );
    return Promise.resolve(1);
  }
  const args = [server, `--notebook-dir=${path.join(env.ROOT, "notebooks")}`];
  if (env.isRoot()) args.push("--allow-root");
  args.push(...process.argv.slice(2));
  env.log(`starting: jupyter ${args.join(" ")} (kernel "TypeScript (tslab, einconv)")`);
  const child = spawn("jupyter", args, { stdio: "inherit", env: env.jupyterEnv() });
  // Ctrl-C reaches the server through the shared terminal; just wait for it to stop.
  process.on("SIGINT", () => {});
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

env.runMain(main);
