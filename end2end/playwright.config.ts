import { defineConfig } from "@playwright/test";
import { berth } from "./tests/support/env";
import { statePaths } from "./tests/support/state";

// Debian's Chromium, never a downloaded browser. The flags keep it off the network,
// which is closed on test hosts.
const chromium = {
  browserName: "chromium" as const,
  ignoreHTTPSErrors: true,
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig({
  testDir: "./tests",
  // One Berth and one Podman user are shared by all tests: run them one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: { baseURL: berth.url, trace: "retain-on-failure", actionTimeout: 15_000, navigationTimeout: 20_000 },
  projects: [
    // First run, once: the first admin with two-factor (tests/auth.setup.ts). Berth
    // must start from an empty data dir (.ci/test.sh removes it).
    { name: "setup", testMatch: /\.setup\.ts$/, use: { ...chromium, javaScriptEnabled: true } },
    // The other tests start signed in as that admin unless they say otherwise.
    {
      name: "hydrated",
      dependencies: ["setup"],
      use: { ...chromium, javaScriptEnabled: true, storageState: statePaths.adminStorage },
    },
    {
      name: "no-js",
      dependencies: ["setup"],
      use: { ...chromium, javaScriptEnabled: false, storageState: statePaths.adminStorage },
      // No browser side (the command line, the tests' own TOTP helper), or what only a
      // running page can do (live updates, follow, charts): hydrated only.
      testIgnore: /(cli|totp|http2|-live)\.spec\.ts$/,
    },
  ],
  webServer: {
    // Berth refuses root, so it runs as the provisioned test user. It trusts 127.0.0.1
    // as a reverse proxy so that tests can give themselves client addresses.
    command: berth.serveCommand,
    url: `${berth.url}/healthz`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  },
});
