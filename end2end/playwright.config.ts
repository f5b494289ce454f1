import { defineConfig } from "@playwright/test";
import { berth } from "./tests/support/env";

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
  use: { baseURL: berth.url, trace: "retain-on-failure" },
  projects: [
    { name: "hydrated", use: { ...chromium, javaScriptEnabled: true } },
    { name: "no-js", use: { ...chromium, javaScriptEnabled: false }, testIgnore: /cli\.spec\.ts/ },
  ],
  webServer: {
    // Berth refuses root, so it runs as the provisioned test user.
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
