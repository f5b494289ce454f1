import fs from "node:fs";
import path from "node:path";
import { berth } from "./support/env";
import { expect, test as setup } from "./support/fixtures";
import { type Account, newPassword, resetState, saveAdmin, statePaths } from "./support/state";
import { arrivedAt, enrolTotp, open } from "./support/ui";

// First run, once for every project: the first admin, made with the setup token, with
// two-factor on. The hydrated and no-js projects start from what this leaves in
// end2end/.state/ (the admin's secrets and a signed-in browser state).

const tokenFile = path.join(berth.dataDir, "setup-token");

setup("first run: setup token, first admin, two-factor", async ({ page, request }) => {
  resetState();
  expect(
    fs.existsSync(tokenFile),
    `${tokenFile} is missing: the end-to-end tests start from an empty data dir (rm -rf ${berth.dataDir})`,
  ).toBe(true);
  const token = fs.readFileSync(tokenFile, "utf8").trim();
  expect(token.length).toBeGreaterThanOrEqual(32);

  // No admin yet: every page sends a stranger to /setup.
  const home = await request.get("/", { maxRedirects: 0 });
  expect(home.status()).toBe(303);
  expect(home.headers()["location"]).toBe("/setup");

  const admin: Account = { username: "admin", password: newPassword(), role: "admin" };
  await open(page, "/setup");
  await expect(page).toHaveTitle("Set up Berth · Berth");
  await page.getByLabel("Setup token").fill(token);
  await page.getByLabel("Admin user name").fill(admin.username);
  await page.getByLabel(/^Password(?! again)/).fill(admin.password);
  await page.getByLabel("Password again").fill(admin.password);
  await page.getByRole("button", { name: "Create admin" }).click();

  // Admins need two-factor: setup leads straight to it.
  await arrivedAt(page, "/account/totp");
  await expect(page.getByText("Admins need two-factor authentication")).toBeVisible();
  await enrolTotp(page, admin);
  expect(admin.recoveryCodes).toHaveLength(10);
  await expect(page.getByTestId("whoami")).toHaveText("admin");
  await expect(page.getByTestId("totp-status")).toHaveText("On.");

  saveAdmin(admin);
  await page.context().storageState({ path: statePaths.adminStorage });

  // Setup is closed for good: the page is gone and the token file with it.
  const again = await request.get("/setup", { maxRedirects: 0 });
  expect(again.status()).toBe(404);
  expect(fs.existsSync(tokenFile)).toBe(false);
});
