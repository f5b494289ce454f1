import path from "node:path";

/** Where things are, as `make test` sets them up (see .ci/test.sh). */
const repo = path.resolve(__dirname, "../../..");
const user = process.env.BERTH_TEST_USER ?? "berth-test";
const port = process.env.BERTH_E2E_PORT ?? "19443";
const bin = process.env.BERTH_E2E_BIN ?? "/opt/berth-test/bin/berth";
const dataDir = process.env.BERTH_E2E_DATA_DIR ?? `/home/${user}/berth-e2e`;
const asUser = path.join(repo, "end2end/host/as-user.sh");
/** What the tests remember between projects (gitignored; rewritten by the setup project). */
const stateDir = path.join(repo, "end2end/.state");

export const berth = {
  repo,
  user,
  bin,
  asUser,
  port,
  dataDir,
  stateDir,
  url: `https://127.0.0.1:${port}`,
  // Playwright's browser reaches Berth over loopback: trusting 127.0.0.1 as a reverse
  // proxy lets each test name its own client address in X-Forwarded-For, so the
  // per-address login throttle of one test never spills into another.
  serveCommand: [
    asUser,
    user,
    bin,
    "serve",
    "--listen",
    `127.0.0.1:${port}`,
    "--data-dir",
    dataDir,
    "--trusted-proxy",
    "127.0.0.1",
  ].join(" "),
};
