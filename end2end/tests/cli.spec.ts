import { expect, test } from "@playwright/test";
import { runBerthAsCurrentUser } from "./support/host";

// The command line has no browser side: this file runs in the "hydrated" project only.
test("berth refuses to run as root, says why and what to do", () => {
  expect(process.getuid?.(), "make test runs as root, which this check needs").toBe(0);
  const result = runBerthAsCurrentUser("serve", "--listen", "127.0.0.1:0");
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("refusing to run as root");
  expect(result.stderr).toContain("unprivileged user");
  expect(result.stdout).not.toContain("Berth is serving");
});
