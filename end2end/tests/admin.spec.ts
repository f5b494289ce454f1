import { expect, newClient, test } from "./support/fixtures";
import { loadAdmin, nextClientIp, uniqueName } from "./support/state";
import { addUser, confirmItsMe, open, submitPassword } from "./support/ui";

// The admin's pages, signed in as the first admin (the projects' storage state).

test("the users page lists users with role, two-factor and state", async ({ page, browser }) => {
  const operator = await addUser(browser, "operator", "listed");
  await open(page, "/users");
  await expect(page).toHaveTitle("Users · Berth");
  const table = page.getByTestId("users");
  const adminRow = table.locator("tbody tr", { has: page.getByRole("cell", { name: "admin", exact: true }) }).first();
  await expect(adminRow.locator("td").nth(0)).toHaveText("admin");
  await expect(adminRow.locator("td").nth(2)).toHaveText("on");
  const row = table.locator("tbody tr", { has: page.getByRole("cell", { name: operator.username, exact: true }) });
  await expect(row.locator("td").nth(1)).toHaveText("operator");
  await expect(row.locator("td").nth(2)).toHaveText("off");
  await expect(row.locator("td").nth(3)).toHaveText("active");
});

test("a weak password for a new user is refused", async ({ page }) => {
  await confirmItsMe(page, loadAdmin(), "/users");
  const name = uniqueName("short");
  const form = page.locator("form", { has: page.getByRole("button", { name: "Add user" }) });
  await form.getByLabel("User name").fill(name);
  await form.getByLabel("Password").fill("short");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByTestId("form-error")).toContainText("12");
  await expect(page.getByTestId("users").getByRole("cell", { name, exact: true })).toHaveCount(0);
});

test("the audit log records sign-ins, failed ones with the client's address", async ({ page, browser, javaScriptEnabled }) => {
  const ghost = uniqueName("ghost");
  const strangerIp = nextClientIp();
  const stranger = await newClient(browser, { javaScriptEnabled, clientIp: strangerIp });
  try {
    const p = await stranger.newPage();
    await open(p, "/login");
    await submitPassword(p, ghost, "not the password");
    await expect(p.getByTestId("form-error")).toHaveText("Wrong user name or password.");
  } finally {
    await stranger.close();
  }

  // Newest first: the stranger's failure is at the top of the failed sign-ins.
  await open(page, "/audit?action=login&outcome=failed");
  await expect(page).toHaveTitle("Audit log · Berth");
  const audit = page.getByTestId("audit");
  const failed = audit.locator("tbody tr", { has: page.getByRole("cell", { name: ghost, exact: true }) });
  await expect(failed).toHaveCount(1);
  await expect(failed.locator("td").nth(4)).toHaveText("login");
  await expect(failed.locator("td").nth(6)).toHaveText("failed");
  await expect(failed.locator("td").nth(3)).toHaveText(strangerIp);
  await expect(failed.locator("td").nth(7)).toHaveText("wrong user name or password");

  // First run: the admin was set up and turned two-factor on.
  await open(page, "/audit?action=setup");
  const setup = page.getByTestId("audit").locator("tbody tr");
  await expect(setup).toHaveCount(1);
  await expect(setup.locator("td").nth(2)).toHaveText("admin");
  await expect(setup.locator("td").nth(6)).toHaveText("ok");
  await open(page, "/audit?action=totp.enrol&actor=admin&outcome=ok");
  await expect(page.getByTestId("audit").locator("tbody tr")).toHaveCount(1);
});

test("the account page lists the sessions, this one marked", async ({ page }) => {
  await open(page, "/account");
  await expect(page).toHaveTitle("Account · Berth");
  const sessions = page.getByTestId("sessions");
  await expect(sessions.locator("tbody tr").filter({ hasText: "(this browser)" })).toHaveCount(1);
  await expect(page.getByTestId("totp-status")).toHaveText("On.");
});
