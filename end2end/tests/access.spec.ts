import { berth } from "./support/env";
import { expect, newClient, signedOut, test } from "./support/fixtures";
import { freshCode, loadAdmin } from "./support/state";
import { currentStep, totp } from "./support/totp";
import {
  addEnrolledUser,
  addUser,
  arrivedAt,
  open,
  signInWithPassword,
  signOut,
  submitCode,
  submitPassword,
  where,
} from "./support/ui";

// Signing in and out, as a stranger's browser sees it. Every test here starts signed
// out, from a client address of its own (see support/fixtures.ts).
test.use({ storageState: signedOut });

const WRONG_LOGIN = "Wrong user name or password.";
const WRONG_CODE = /^That code is not valid\. /;

/** A 6-digit string that is not a valid code of this secret around now. */
function invalidCode(secret: string): string {
  const step = currentStep();
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, step + d)));
  for (let n = 0; ; n++) {
    const candidate = String((123456 + n * 7919) % 1_000_000).padStart(6, "0");
    if (!valid.has(candidate)) return candidate;
  }
}

test.describe("strangers", () => {
  test("every page sends a stranger to /login with next; /setup is gone once an admin exists", async ({ playwright, clientIp }) => {
    const request = await playwright.request.newContext({
      baseURL: berth.url,
      ignoreHTTPSErrors: true,
      storageState: signedOut,
      extraHTTPHeaders: { "X-Forwarded-For": clientIp },
    });
    try {
      const home = await request.get("/", { maxRedirects: 0 });
      expect(home.status()).toBe(303);
      expect(home.headers()["location"]).toBe("/login?next=/");
      const users = await request.get("/users", { maxRedirects: 0 });
      expect(users.status()).toBe(303);
      expect(users.headers()["location"]).toBe("/login?next=/users");
      expect((await request.get("/setup", { maxRedirects: 0 })).status()).toBe(404);
    } finally {
      await request.dispose();
    }
  });

  test("the setup page answers 404 to a signed-in admin too", async ({ browser, javaScriptEnabled }) => {
    const admin = await newClient(browser, { javaScriptEnabled, storageState: "admin" });
    try {
      const response = await admin.request.get("/setup", { maxRedirects: 0 });
      expect(response.status()).toBe(404);
    } finally {
      await admin.close();
    }
  });
});

test.describe("signing in", () => {
  test("the admin signs in with password and TOTP code and lands on next; cookies are locked down", async ({ page, context }) => {
    test.setTimeout(120_000);
    const admin = loadAdmin();
    await open(page, "/users");
    expect(where(page)).toBe("/login?next=/users");
    await expect(page).toHaveTitle("Sign in · Berth");
    await submitPassword(page, admin.username, admin.password);
    await arrivedAt(page, "/login/code?next=/users");
    await submitCode(page, await freshCode(admin));
    await arrivedAt(page, "/users");
    await expect(page.getByTestId("whoami")).toHaveText("admin");
    const nav = page.getByRole("navigation", { name: "Sections" });
    for (const name of ["Overview", "Users", "Audit log", "Account"]) {
      await expect(nav.getByRole("link", { name, exact: true })).toBeVisible();
    }
    await expect(nav.getByRole("button", { name: "Sign out" })).toBeVisible();

    const cookies = await context.cookies(berth.url);
    const hostOnly = { domain: "127.0.0.1", path: "/", secure: true, httpOnly: true, sameSite: "Strict" };
    const session = cookies.find((c) => c.name === "__Host-berth");
    expect(session, "the session cookie").toMatchObject(hostOnly);
    const device = cookies.find((c) => c.name === "__Host-berth-device");
    expect(device, "the remembered-device cookie after password + TOTP").toMatchObject(hostOnly);
    expect(device!.expires, "the device cookie outlives the browser session").toBeGreaterThan(Date.now() / 1000 + 30 * 86400);
  });

  test("a wrong password, or an unknown user, gets the same answer", async ({ page, browser }) => {
    const viewer = await addUser(browser, "viewer", "wrongpw");
    await open(page, "/login");
    await submitPassword(page, viewer.username, "not the password at all");
    await expect(page.getByTestId("form-error")).toHaveText(WRONG_LOGIN);
    await expect(page.getByTestId("whoami")).toHaveCount(0);
    await open(page, "/login");
    await submitPassword(page, `${viewer.username}-nobody`, viewer.password);
    await expect(page.getByTestId("form-error")).toHaveText(WRONG_LOGIN);
    expect(new URL(page.url()).pathname).toBe("/login");
    // The right password still works afterwards (one failure is far from the lockout).
    await open(page, "/login");
    await submitPassword(page, viewer.username, viewer.password);
    await arrivedAt(page, "/");
    await expect(page.getByTestId("whoami")).toHaveText(viewer.username);
  });

  test("after a wrong password, the retry still goes to next", async ({ page, browser }) => {
    const viewer = await addUser(browser, "viewer", "retry");
    await open(page, "/account");
    expect(where(page)).toBe("/login?next=/account");
    await submitPassword(page, viewer.username, "a typo in the password");
    await expect(page.getByTestId("form-error")).toHaveText(WRONG_LOGIN);
    await submitPassword(page, viewer.username, viewer.password);
    await arrivedAt(page, /^\/account(\?|$)/);
    await expect(page.getByTestId("sessions")).toBeVisible();
  });

  test("a non-admin without two-factor signs in with the password alone and sees no admin pages", async ({ page, browser }) => {
    const viewer = await addUser(browser, "viewer", "plain");
    await signInWithPassword(page, viewer);
    const nav = page.getByRole("navigation", { name: "Sections" });
    await expect(nav.getByRole("link", { name: "Overview", exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Account", exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Users", exact: true })).toHaveCount(0);
    await expect(nav.getByRole("link", { name: "Audit log", exact: true })).toHaveCount(0);
    await expect(page.getByTestId("podman-version")).toBeVisible();
  });

  test("an admin without two-factor may open nothing but the enrolment", async ({ page, browser }) => {
    const admin2 = await addUser(browser, "admin", "admin-noenrol");
    await open(page, "/login");
    await submitPassword(page, admin2.username, admin2.password);
    await arrivedAt(page, "/account/totp");
    await expect(page.getByText("Admins need two-factor authentication")).toBeVisible();
    await expect(page.getByRole("button", { name: "Set up two-factor authentication" })).toBeVisible();
    for (const path of ["/", "/users", "/audit", "/account"]) {
      await page.goto(path);
      expect(where(page), `${path} while enrolment is pending`).toBe("/account/totp");
    }
  });

  test("a wrong TOTP code is refused", async ({ page, browser }) => {
    const operator = await addEnrolledUser(browser, "operator", "wrongcode");
    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    await submitCode(page, invalidCode(operator.secret!));
    await expect(page.getByTestId("form-error")).toHaveText(WRONG_CODE);
    expect(new URL(page.url()).pathname).toBe("/login/code");
    await expect(page.getByTestId("whoami")).toHaveCount(0);
  });

  test("a recovery code signs in once, and not twice", async ({ page, browser }) => {
    const operator = await addEnrolledUser(browser, "operator", "recovery");
    const [first, second] = operator.recoveryCodes!;
    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    await submitCode(page, first);
    await arrivedAt(page, "/");
    await expect(page.getByTestId("whoami")).toHaveText(operator.username);
    await signOut(page);

    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    await submitCode(page, first);
    await expect(page.getByTestId("form-error")).toHaveText(WRONG_CODE);
    await expect(page.getByTestId("whoami")).toHaveCount(0);
    // Another, unused code still works.
    await submitCode(page, second);
    await arrivedAt(page, "/");
    await expect(page.getByTestId("whoami")).toHaveText(operator.username);
  });

  test("a TOTP code can't be used twice", async ({ page, browser }) => {
    test.setTimeout(150_000);
    const operator = await addEnrolledUser(browser, "operator", "replay");
    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    const code = await freshCode(operator);
    await submitCode(page, code);
    await arrivedAt(page, "/");
    await signOut(page);

    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    await submitCode(page, code);
    await expect(page.getByTestId("form-error")).toHaveText(WRONG_CODE);
    await expect(page.getByTestId("whoami")).toHaveCount(0);
    // The next step's code is fine.
    await submitCode(page, await freshCode(operator));
    await arrivedAt(page, "/");
    await expect(page.getByTestId("whoami")).toHaveText(operator.username);
  });
});

test.describe("signing out", () => {
  test("sign out deletes the session on the server: the old cookie no longer works", async ({ page, context, browser, javaScriptEnabled }) => {
    const viewer = await addUser(browser, "viewer", "signout");
    await signInWithPassword(page, viewer);
    const before = (await context.cookies(berth.url)).find((c) => c.name === "__Host-berth");
    expect(before).toBeDefined();

    await signOut(page);
    await page.goto("/");
    expect(where(page)).toBe("/login?next=/");

    // Replaying the old cookie from another browser gets nowhere either.
    const replay = await newClient(browser, { javaScriptEnabled, storageState: { cookies: [before!], origins: [] } });
    try {
      const other = await replay.newPage();
      await other.goto("/account");
      expect(where(other)).toBe("/login?next=/account");
      await expect(other.getByTestId("whoami")).toHaveCount(0);
    } finally {
      await replay.close();
    }
  });
});
