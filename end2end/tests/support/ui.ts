import { type Browser, type Page, expect } from "@playwright/test";
import { newClient, runsScripts } from "./fixtures";
import { type Account, loadAdmin, newPassword, recordStep, uniqueName } from "./state";
import { currentStep, totp } from "./totp";

/**
 * Waits until the wasm has hydrated the page, when JavaScript is on (a click before
 * that hits a dead button). Without JavaScript, there is nothing to wait for.
 */
export async function settled(page: Page): Promise<void> {
  if (runsScripts(page)) await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** Opens a page and waits for it to be usable. */
export async function open(page: Page, path: string) {
  const response = await page.goto(path);
  await settled(page);
  return response;
}

/** The path and query of the page's address. */
export function where(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** Fills the sign-in form on the current /login page and submits it. */
export async function submitPassword(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Fills the code form on the current /login/code page and submits it. */
export async function submitCode(page: Page, code: string): Promise<void> {
  await page.getByLabel("Code", { exact: true }).fill(code);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** The path, after a navigation, once the new page is usable. */
export async function arrivedAt(page: Page, path: string | RegExp): Promise<void> {
  const wanted = typeof path === "string" ? (url: URL) => url.pathname + url.search === path : (url: URL) => path.test(url.pathname + url.search);
  await page.waitForURL(wanted);
  await settled(page);
}

/**
 * Signs in with the password only (a non-admin without two-factor) and waits for the
 * overview (or `next`).
 */
export async function signInWithPassword(page: Page, account: Account, next = "/"): Promise<void> {
  await open(page, next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`);
  await submitPassword(page, account.username, account.password);
  await arrivedAt(page, next);
  await expect(page.getByTestId("whoami")).toHaveText(account.username);
}

/** The user's signed-in page: confirms it's them (password) so a sensitive change may follow. */
export async function confirmItsMe(page: Page, account: Account, next: string): Promise<void> {
  await open(page, `/reauth?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Password or code").fill(account.password);
  await page.getByRole("button", { name: "Confirm" }).click();
  await arrivedAt(page, next);
}

/**
 * Adds a user through the admin's Users page (in a browser of its own, without
 * JavaScript: plain form posts). Sign-in as the admin is confirmed first, since
 * changes need a sign-in within the last five minutes.
 */
export async function addUser(browser: Browser, role: Account["role"], prefix: string): Promise<Account> {
  const admin = loadAdmin();
  const account: Account = { username: uniqueName(prefix), password: newPassword(), role };
  const context = await newClient(browser, { javaScriptEnabled: false, storageState: "admin" });
  try {
    const page = await context.newPage();
    await confirmItsMe(page, admin, "/users");
    const form = page.locator("form", { has: page.getByRole("button", { name: "Add user" }) });
    await form.getByLabel("User name").fill(account.username);
    await form.getByLabel("Role").selectOption(role);
    await form.getByLabel("Password").fill(account.password);
    await form.getByRole("button", { name: "Add user" }).click();
    await arrivedAt(page, "/users");
    await expect(page.getByTestId("form-error")).toHaveCount(0);
    const row = page.getByTestId("users").locator("tbody tr", { has: page.getByRole("cell", { name: account.username, exact: true }) });
    await expect(row.locator("td").nth(1)).toHaveText(role);
    await expect(row.locator("td").nth(2)).toHaveText("off");
  } finally {
    await context.close();
  }
  return account;
}

/**
 * Turns two-factor on for the signed-in user of `page` at /account/totp and fills in
 * `account.secret` and `account.recoveryCodes`. Ends on /account.
 */
export async function enrolTotp(page: Page, account: Account): Promise<void> {
  await open(page, "/account/totp");
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await expect(page.getByTestId("totp-qr")).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}=*$/);
  // The otpauth link is there for those who want it, folded away.
  await expect(page.locator("details [data-testid=totp-uri]")).toHaveCount(1);
  const uri = (await page.getByTestId("totp-uri").textContent())?.trim() ?? "";
  const parsed = new URL(uri);
  expect(parsed.protocol).toBe("otpauth:");
  expect(parsed.searchParams.get("secret")?.replace(/=+$/, "")).toBe(secret.replace(/=+$/, ""));
  expect(parsed.searchParams.get("issuer")).toBe("Berth");
  expect(decodeURIComponent(parsed.pathname)).toContain(account.username);
  // Enrolment takes the current code (no step has been used yet for this secret).
  const step = currentStep();
  await page.getByLabel("Code", { exact: true }).fill(totp(secret, step));
  await page.getByRole("button", { name: "Turn on" }).click();
  recordStep(account.username, step);
  await arrivedAt(page, "/account/recovery-codes");
  const items = page.getByTestId("recovery-codes").locator("li");
  await expect(items).toHaveCount(10);
  const codes = (await items.allTextContents()).map((c) => c.trim());
  for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
  expect(new Set(codes).size).toBe(10);
  const download = page.getByRole("link", { name: "Download as text" });
  await expect(download).toHaveAttribute("download", /.+/);
  const href = (await download.getAttribute("href")) ?? "";
  expect(href.startsWith("data:text/plain")).toBe(true);
  expect(decodeURIComponent(href.slice(href.indexOf(",") + 1))).toBe(codes.join("\n") + "\n");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await arrivedAt(page, "/account");
  account.secret = secret;
  account.recoveryCodes = codes;
}

/**
 * A new user with two-factor on: added by the admin, signed in once with the password
 * (non-admins without two-factor may), enrolled, and signed out again.
 */
export async function addEnrolledUser(browser: Browser, role: Account["role"], prefix: string): Promise<Account> {
  const account = await addUser(browser, role, prefix);
  const context = await newClient(browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await signInWithPassword(page, account);
    await enrolTotp(page, account);
  } finally {
    await context.close();
  }
  return account;
}

/** Clicks "Sign out" in the navigation and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Sign out" }).click();
  await arrivedAt(page, /^\/login(\?|$)/);
}
