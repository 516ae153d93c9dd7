/**
 * The heavy benchmark peers (onnxruntime-node, ~290 MB; @tensorflow/tfjs-backend-wasm)
 * live in a cache folder outside the repo, installed on the first `npm run bench`, never
 * by `npm ci` or CI: `${EINCONV_BENCH_PEERS:-${XDG_CACHE_HOME:-~/.cache}/einconv-bench}`,
 * with its own package.json pinning the versions below. They are loaded from there with
 * `createRequire`. `--no-peers-install` only uses what is already there.
 *
 * onnxruntime-node's postinstall would download CUDA providers (and fails offline):
 * ONNXRUNTIME_NODE_INSTALL=skip makes it exit at once (the CPU binaries ship inside the package).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

/** Pinned versions: tfjs-core must match the repo's devDependency (4.22.0), since both register into one global engine. */
export const PEER_VERSIONS = {
  "onnxruntime-node": "1.30.0",
  "@tensorflow/tfjs-backend-wasm": "4.22.0",
  "@tensorflow/tfjs-core": "4.22.0",
} as const;

/** The cache folder. */
export function peersDir(): string {
  if (process.env.EINCONV_BENCH_PEERS) return path.resolve(process.env.EINCONV_BENCH_PEERS);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cache, "einconv-bench");
}

function manifest(): string {
  return JSON.stringify({ name: "einconv-bench-peers", private: true, version: "0.0.0", description: "heavy peers of einconv's npm run bench (written by bench/peers_install.ts)", dependencies: PEER_VERSIONS }, null, 2) + "\n";
}

/** Whether every pinned package is installed at its pinned version. */
function installed(dir: string): boolean {
  const req = createRequire(path.join(dir, "package.json"));
  return Object.entries(PEER_VERSIONS).every(([name, version]) => {
    try {
      return (req(`${name}/package.json`) as { version: string }).version === version;
    } catch {
      return false;
    }
  });
}

/**
 * A `require` rooted in the cache folder, installing the peers first when allowed;
 * null (the reason printed) when they are missing and cannot be installed.
 */
export function peersRequire(options: { install: boolean }): NodeJS.Require | null {
  const dir = peersDir();
  if (!installed(dir)) {
    if (!options.install) {
      console.log(`  [heavy peers skipped: not installed in ${dir} and --no-peers-install given]`);
      return null;
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), manifest());
    console.log(`  installing ${Object.entries(PEER_VERSIONS).map(([n, v]) => `${n}@${v}`).join(", ")} into ${dir} (once; ~360 MB) ...`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const child = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--no-package-lock"], {
      cwd: dir,
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip", ONNXRUNTIME_NODE_INSTALL_CUDA: "skip" },
      encoding: "utf8",
      timeout: 10 * 60 * 1000,
    });
    if (child.error || child.status !== 0 || !installed(dir)) {
      const why = child.error ? child.error.message : (child.stderr || child.stdout || "").trim().split("\n").slice(-3).join(" | ");
      console.log(`  [heavy peers skipped: npm install in ${dir} failed: ${why}]`);
      return null;
    }
  }
  return createRequire(path.join(dir, "package.json"));
}
