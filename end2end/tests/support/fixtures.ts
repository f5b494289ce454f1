import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, test as base, expect } from "@playwright/test";
import { berth } from "./env";
import { nextClientIp, statePaths } from "./state";

/** A browser that has never signed in. */
export const signedOut: BrowserContextOptions["storageState"] = { cookies: [], origins: [] };

/**
 * Playwright's test with a client address of its own: every request of the test's
 * context carries `X-Forwarded-For: <clientIp>`, which Berth (trusting 127.0.0.1 as a
 * proxy) takes as the client's address for its per-address throttle.
 */
export const test = base.extend<{ clientIp: string }>({
  clientIp: async ({}, use) => {
    await use(nextClientIp());
  },
  extraHTTPHeaders: async ({ clientIp }, use) => {
    await use({ "X-Forwarded-For": clientIp });
  },
  context: async ({ context, javaScriptEnabled }, use) => {
    scripts.set(context, javaScriptEnabled);
    await use(context);
  },
});

/** Whether each browser context runs scripts (Playwright can't be asked). */
const scripts = new WeakMap<BrowserContext, boolean>();

/** Whether this page runs JavaScript (the "hydrated" project) or not ("no-js"). */
export function runsScripts(page: Page): boolean {
  const known = scripts.get(page.context());
  if (known === undefined) throw new Error("a browser context not made by the fixtures or newClient()");
  return known;
}

export { expect };

/** Options for another browser context: a new client address unless one is given. */
export interface ClientOptions {
  javaScriptEnabled: boolean;
  /** The admin's signed-in state, none, or a storage state of one's own. */
  storageState?: "admin" | BrowserContextOptions["storageState"];
  clientIp?: string;
}

/** Another browser (context) with the same settings as the projects' own. */
export async function newClient(browser: Browser, options: ClientOptions): Promise<BrowserContext> {
  const storageState = options.storageState === "admin" ? statePaths.adminStorage : (options.storageState ?? signedOut);
  const context = await browser.newContext({
    baseURL: berth.url,
    ignoreHTTPSErrors: true,
    javaScriptEnabled: options.javaScriptEnabled,
    storageState,
    extraHTTPHeaders: { "X-Forwarded-For": options.clientIp ?? nextClientIp() },
  });
  scripts.set(context, options.javaScriptEnabled);
  return context;
}
