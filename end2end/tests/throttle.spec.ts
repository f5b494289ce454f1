import type { Page, Response } from "@playwright/test";
import { expect, newClient, runsScripts, signedOut, test } from "./support/fixtures";
import { freshCode, nextClientIp, uniqueName } from "./support/state";
import { addEnrolledUser, addUser, arrivedAt, enrolTotp, open, signInWithPassword, signOut, submitCode, submitPassword } from "./support/ui";

// Throttling per client address and lockout per account. Each test (and each extra
// browser) has its own forwarded client address, so buckets never leak between tests.
test.use({ storageState: signedOut });

const WRONG_LOGIN = "Wrong user name or password.";
const WRONG_CODE = /^That code is not valid\. /;
const THROTTLED = /^Too many attempts\. Try again in (a second|\d+ seconds|a minute|\d+ minutes)\.$/;

/**
 * One sign-in attempt from /login; resolves with the response to the form's POST to
 * /api/login once the page shows the outcome. Hydrated, that is the server fn's fetch;
 * without JavaScript, the plain form post (answered with a redirect back).
 */
async function attempt(page: Page, username: string, password: string): Promise<Response> {
  await open(page, "/login");
  const posted = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/login" && r.request().method() === "POST");
  await submitPassword(page, username, password);
  const response = await posted;
  // A plain form post leaves "/login" for wherever the answer sends the browser.
  if (!runsScripts(page)) await page.waitForURL((url) => url.pathname !== "/api/login" && (url.pathname !== "/login" || url.search !== ""));
  return response;
}

/** One code attempt on /login/code (reloaded first); resolves like `attempt`. */
async function attemptCode(page: Page, code: string): Promise<Response> {
  await open(page, "/login/code?next=/");
  const posted = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/login-code" && r.request().method() === "POST");
  await submitCode(page, code);
  const response = await posted;
  if (!runsScripts(page)) await page.waitForURL((url) => url.pathname !== "/api/login-code" && url.search !== "?next=/");
  return response;
}

/** The error the sign-in form shows. */
function formError(page: Page) {
  return page.getByTestId("form-error");
}

test.describe("throttling per client address", () => {
  test("the eleventh attempt in a row is refused with 429 and Retry-After; another address is not", async ({ page, browser, clientIp, javaScriptEnabled }) => {
    const ghost = uniqueName("ghost");
    for (let n = 1; n <= 10; n++) {
      const response = await attempt(page, ghost, `wrong password ${n}`);
      expect(response.status(), `attempt ${n}`).not.toBe(429);
      await expect(formError(page), `attempt ${n}`).toHaveText(WRONG_LOGIN);
    }
    const refused = await attempt(page, ghost, "wrong password 11");
    if (javaScriptEnabled) {
      // The hydrated page's fetch sees the status itself.
      expect(refused.status()).toBe(429);
      const retryAfter = refused.headers()["retry-after"];
      expect(retryAfter, "Retry-After").toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    } else {
      // A plain form post is sent back to the page, which says why.
      expect(refused.status()).toBe(303);
      expect(new URL(page.url()).pathname).toBe("/login");
    }
    await expect(formError(page)).toHaveText(THROTTLED);

    // The bucket belongs to the address, not to the browser: a new browser from the
    // same address is still refused ...
    const sameAddress = await newClient(browser, { javaScriptEnabled, clientIp });
    // ... and a browser from another address is not.
    const otherAddress = await newClient(browser, { javaScriptEnabled, clientIp: nextClientIp() });
    try {
      const same = await sameAddress.newPage();
      await attempt(same, ghost, "wrong password 12");
      await expect(formError(same)).toHaveText(THROTTLED);
      const other = await otherAddress.newPage();
      const response = await attempt(other, ghost, "wrong password 13");
      expect(response.status()).not.toBe(429);
      await expect(formError(other)).toHaveText(WRONG_LOGIN);
    } finally {
      await sameAddress.close();
      await otherAddress.close();
    }
  });

  test("a successful sign-in gives its token back", async ({ page, browser, clientIp, javaScriptEnabled }) => {
    const viewer = await addUser(browser, "viewer", "refund");
    const ghost = uniqueName("ghost");
    const started = Date.now();
    for (let n = 1; n <= 9; n++) {
      await attempt(page, ghost, `wrong password ${n}`);
      await expect(formError(page), `attempt ${n}`).toHaveText(WRONG_LOGIN);
    }
    // The tenth token is spent on a success, and comes back ...
    const second = await newClient(browser, { javaScriptEnabled, clientIp });
    try {
      await signInWithPassword(await second.newPage(), viewer);
    } finally {
      await second.close();
    }
    // ... so one more failure is still answered, and the one after is throttled.
    await attempt(page, ghost, "wrong password 10");
    await expect(formError(page)).toHaveText(WRONG_LOGIN);
    // (The bucket refills one token a minute: the count only holds if this test was quick.)
    expect(Date.now() - started, "the attempts took under 50 s").toBeLessThan(50_000);
    await attempt(page, ghost, "wrong password 11");
    await expect(formError(page)).toHaveText(THROTTLED);
  });
});

test.describe("throttling of codes", () => {
  test("two-factor code attempts draw on the same bucket", async ({ page, browser, javaScriptEnabled }) => {
    const operator = await addEnrolledUser(browser, "operator", "codes");
    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    // The password's token came back with its success: ten wrong codes, then no more.
    for (let n = 1; n <= 10; n++) {
      await attemptCode(page, String(100000 + n));
      await expect(formError(page), `code ${n}`).toHaveText(WRONG_CODE);
    }
    const refused = await attemptCode(page, "999999");
    if (javaScriptEnabled) {
      expect(refused.status()).toBe(429);
      expect(refused.headers()["retry-after"]).toMatch(/^\d+$/);
    } else {
      expect(refused.status()).toBe(303);
    }
    await expect(formError(page)).toHaveText(THROTTLED);
  });
});

test.describe("lockout per account", () => {
  test("after five failures the account is locked: the right password gets the wrong-password answer", async ({ page, browser, javaScriptEnabled }) => {
    const viewer = await addUser(browser, "viewer", "locked");
    for (let n = 1; n <= 5; n++) {
      await attempt(page, viewer.username, `wrong password ${n}`);
      await expect(formError(page), `attempt ${n}`).toHaveText(WRONG_LOGIN);
    }
    await attempt(page, viewer.username, viewer.password);
    await expect(formError(page)).toHaveText(WRONG_LOGIN);
    await expect(page.getByTestId("whoami")).toHaveCount(0);

    // Per account, not per address: the right password from elsewhere fails too.
    const elsewhere = await newClient(browser, { javaScriptEnabled });
    try {
      const other = await elsewhere.newPage();
      await attempt(other, viewer.username, viewer.password);
      await expect(formError(other)).toHaveText(WRONG_LOGIN);
    } finally {
      await elsewhere.close();
    }

    // The admin sees the lock, and the audit log says what happened.
    const admin = await newClient(browser, { javaScriptEnabled, storageState: "admin" });
    try {
      const adminPage = await admin.newPage();
      await open(adminPage, "/users");
      const row = adminPage.getByTestId("users").locator("tbody tr", { has: adminPage.getByRole("cell", { name: viewer.username, exact: true }) });
      await expect(row.locator("td").nth(3)).toHaveText(/^locked until /);
      await open(adminPage, "/audit?action=login");
      const lines = adminPage.getByTestId("audit").locator("tbody tr", { has: adminPage.getByRole("cell", { name: viewer.username, exact: true }) });
      await expect(lines.filter({ hasText: "account locked" })).toHaveCount(2);
      await expect(lines.filter({ hasText: "wrong user name or password" })).toHaveCount(5);
    } finally {
      await admin.close();
    }
  });

  test("a remembered browser still gets in while the account is locked", async ({ page, context, browser, javaScriptEnabled }) => {
    test.setTimeout(180_000);
    const operator = await addUser(browser, "operator", "device");
    // This browser: two-factor on, then one full sign-in with password and code.
    await signInWithPassword(page, operator);
    await enrolTotp(page, operator);
    await signOut(page);
    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    await submitCode(page, await freshCode(operator));
    await arrivedAt(page, "/");
    await expect(page.getByTestId("whoami")).toHaveText(operator.username);
    expect((await context.cookies()).map((c) => c.name)).toContain("__Host-berth-device");
    await signOut(page);

    // Someone else locks the account from another address.
    const attacker = await newClient(browser, { javaScriptEnabled });
    try {
      const other = await attacker.newPage();
      for (let n = 1; n <= 5; n++) {
        await attempt(other, operator.username, `guess ${n}`);
        await expect(formError(other)).toHaveText(WRONG_LOGIN);
      }
      await attempt(other, operator.username, operator.password);
      await expect(formError(other)).toHaveText(WRONG_LOGIN);
    } finally {
      await attacker.close();
    }

    // The remembered browser is let through to the code step, and in.
    await open(page, "/login");
    await submitPassword(page, operator.username, operator.password);
    await arrivedAt(page, "/login/code?next=/");
    await submitCode(page, await freshCode(operator));
    await arrivedAt(page, "/");
    await expect(page.getByTestId("whoami")).toHaveText(operator.username);
  });
});
