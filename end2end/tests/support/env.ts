import path from "node:path";

/** Where things are, as `make test` sets them up (see .ci/test.sh). */
const repo = path.resolve(__dirname, "../../..");
const user = process.env.BERTH_TEST_USER ?? "berth-test";
const port = process.env.BERTH_E2E_PORT ?? "19443";
const bin = process.env.BERTH_E2E_BIN ?? "/opt/berth-test/bin/berth";
const dataDir = process.env.BERTH_E2E_DATA_DIR ?? `/home/${user}/berth-e2e`;
const asUser = path.join(repo, "end2end/host/as-user.sh");

export const berth = {
  repo,
  user,
  bin,
  asUser,
  url: `https://127.0.0.1:${port}`,
  serveCommand: [asUser, user, bin, "serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir].join(" "),
};
